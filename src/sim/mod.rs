//! The built-in Model Studio simulator (being written).
