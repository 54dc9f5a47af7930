//! Byte and duration units parsed as Docker parses them.
