//! The rules of the `security` pack, one per file.

plimsoll_sdk::rules! {
    runs_as_root,
    privileged,
    dangerous_capabilities,
    docker_socket_mount,
    sensitive_host_mount,
    host_namespaces,
    secrets_in_environment,
    secrets_in_command,
    secrets_in_build,
    datastore_port_published,
    port_unbound_interface,
    cors_wildcard,
    model_weights_writable,
    tls_verification_disabled,
    package_signature_check_disabled,
    confinement_disabled,
    duplicate_published_port,
    sudo_in_run,
    no_new_privileges_missing,
    read_only_rootfs_missing,
}
