//! Plimsoll SDK (being written).
