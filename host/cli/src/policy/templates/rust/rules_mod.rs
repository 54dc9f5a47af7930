//! The rules of the `{{id}}` pack, one per file: add a rule as a file here and one line below.

plimsoll_sdk::rules! {
    owner_label_missing,
}
