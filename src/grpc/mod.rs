//! The gRPC front end.
pub mod proto {
    tonic::include_proto!("memorabilia.v1");
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        tonic::include_file_descriptor_set!("memorabilia_descriptor");
}
pub mod keys;
