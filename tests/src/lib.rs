//! End-to-end tests of Plimsoll.
