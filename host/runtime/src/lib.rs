//! Plimsoll runtime (being written).
