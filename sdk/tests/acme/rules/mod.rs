//! The rules of the test pack, listed once.

plimsoll_sdk::rules! {
    privileged,
    image_missing,
}
