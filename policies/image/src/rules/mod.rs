//! The rules of the `image` pack, one per file.

plimsoll_sdk::rules! {
    tag_missing,
    tag_mutable,
    digest_not_pinned,
    dockerignore_missing,
    dockerignore_incomplete,
    build_context_large,
    copy_secrets,
    build_tools_in_final_stage,
    layer_order_cache_bust,
    package_cache_not_cleaned,
    apt_no_install_recommends,
    apt_update_alone,
    add_instead_of_copy,
    shell_form_cmd,
    multiple_cmd_or_healthcheck,
    unknown_stage_reference,
    download_not_verified,
}
