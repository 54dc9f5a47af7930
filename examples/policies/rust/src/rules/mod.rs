//! The rules of the `acme` pack, one per file, in documentation order.

plimsoll_sdk::rules! {
    owner_label_missing,
    base_image_not_allowed,
}
