/** The media type Kubernetes uses for protobuf bodies (its own module: cheap to import). */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
