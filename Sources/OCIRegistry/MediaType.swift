/// Media types of the manifests and blobs this client pushes and asks for.
public enum OCIMediaType {
    public static let imageManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let imageIndex = "application/vnd.oci.image.index.v1+json"
    public static let imageConfig = "application/vnd.oci.image.config.v1+json"
    public static let layerTarGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let layerTar = "application/vnd.oci.image.layer.v1.tar"

    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let dockerLayerTarGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"

    /// What a manifest GET accepts: without an Accept header a registry may convert the
    /// manifest to the legacy schema 1 or refuse to serve an OCI one.
    static let acceptedManifests = [imageManifest, imageIndex, dockerManifest, dockerManifestList]
}
