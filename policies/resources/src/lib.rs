//! resources pack (being written).
