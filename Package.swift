// swift-tools-version:6.0
import PackageDescription

// One library per concern; dependencies point one way (see docs/ARCHITECTURE.md).
// The upcoming-feature settings Hummingbird builds with: `any` spelled out for existentials, and
// members visible only from modules a file imports. On for every target (issue 13 item 3).
let upcomingFeatures: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
let package = Package(
    name: "slipway",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "slipway", targets: ["slipway"]),
        .library(name: "DockerAPI", targets: ["DockerAPI"]),
        .library(name: "SlipwayRouter", targets: ["SlipwayRouter"]),
        .library(name: "OCIRegistry", targets: ["OCIRegistry"]),
        .library(name: "KubernetesAPI", targets: ["KubernetesAPI"]),
        .library(name: "ACME", targets: ["ACME"]),
        .library(name: "DNSUpdate", targets: ["DNSUpdate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio-ssh.git", from: "0.15.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // Domain: apps, manifests, releases, deploys, stages, names. Pure, no I/O.
        .target(name: "SlipwayCore", dependencies: [
            "Cron", .product(name: "Yams", package: "Yams"),
        ], swiftSettings: upcomingFeatures),
        // The kinds of Kubernetes objects Slipway uses and where the API serves them (group, version,
        // plural, paths): one table for the renderer and the client. Pure, no dependencies.
        .target(name: "KubernetesResources", swiftSettings: upcomingFeatures),
        // Release -> Kubernetes objects (Deployments, Services, Ingress...) and their YAML. Pure, no I/O.
        .target(name: "SlipwayKubernetes", dependencies: [
            "SlipwayCore", "KubernetesResources",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: upcomingFeatures),
        // Files streamed from disk as ByteBuffer chunks, for the clients' uploads.
        .target(name: "FileChunks", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
        ], swiftSettings: upcomingFeatures),
        // Leaf client of the Docker Engine API (Podman or Docker) over a unix socket.
        .target(name: "DockerAPI", dependencies: [
            "FileChunks",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // Leaf client of the OCI distribution API (push and pull of blobs and manifests).
        .target(name: "OCIRegistry", dependencies: [
            "FileChunks",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: upcomingFeatures),
        // Leaf client of the Kubernetes API: kubeconfig, server-side apply, watch, pod logs.
        .target(name: "KubernetesAPI", dependencies: [
            "KubernetesResources",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // Leaf client of ACME (RFC 8555): account, orders, HTTP-01/DNS-01 challenges, CSRs, certificates.
        .target(name: "ACME", dependencies: [
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // Leaf client of authoritative DNS servers: RFC 2136 dynamic updates of TXT records signed
        // with TSIG (RFC 8945, HMAC-SHA256), answers verified; queries to read them back. For DNS-01.
        .target(name: "DNSUpdate", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOExtras", package: "swift-nio-extras"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // Certificates for the hosts that need them: ACME issuance into the certificate store and
        // renewal at two thirds of their life, with backoff and events; HTTP-01 through the router.
        .target(name: "SlipwayCertificates", dependencies: [
            "ACME", "CertificateStore", "SlipwayRouter", "SlipwayCore", "DNSUpdate",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: upcomingFeatures),
        // HTTP/1.1 reverse proxy on SwiftNIO, routing by Host header.
        .target(name: "SlipwayRouter", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOExtras", package: "swift-nio-extras"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            .product(name: "NIOHPACK", package: "swift-nio-http2"),
            .product(name: "Atomics", package: "swift-atomics"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], swiftSettings: upcomingFeatures),
        // TLS certificates and keys in the data directory (certs/HOST/), checked with swift-certificates.
        .target(name: "CertificateStore", dependencies: [
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: upcomingFeatures),
        // Programs run to their end or in the background (git, tar, podman) on swift-subprocess:
        // timeouts, output limits, cancellation that ends the child; no thread ever waits on one.
        .target(name: "Commands", dependencies: [
            .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "SystemPackage", package: "swift-system"),
        ], swiftSettings: upcomingFeatures),
        // git's pkt-lines and the channel between a push's `proc-receive` hook (`slipway git-hook`) and the server.
        .target(name: "GitReceive", swiftSettings: upcomingFeatures),
        // Source trees as archives: tar/tar.gz creation honouring .dockerignore, safe extraction.
        .target(name: "SourceArchive", dependencies: ["Commands"], swiftSettings: upcomingFeatures),
        // A deploy's source tree: fetched (git clone, upload, server directory) into a workspace and
        // read as the `config` stage reads it (slipway.yaml, RAD config.json, Procfile, stack
        // detection). Used by the server's pipeline and by `slipway k8s render`.
        .target(name: "SlipwaySource", dependencies: ["SlipwayCore", "SourceArchive", "Commands"], swiftSettings: upcomingFeatures),
        // Cron expressions (five fields, names, shorthands) and their next time in a time zone; pure.
        .target(name: "Cron", swiftSettings: upcomingFeatures),
        // S3 object storage (AWS Signature V4 on swift-crypto): put (streamed), get, list, delete.
        .target(name: "S3Storage", dependencies: [
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
        ], swiftSettings: upcomingFeatures),
        // `git push` over SSH (swift-nio-ssh): the server, its ed25519 host key, users' public keys
        // (parsed, fingerprinted) and the one exec policy (git-receive-pack/git-upload-pack of APP.git);
        // what an accepted git command runs is the server's (a `GitCommandRunner`). No Slipway types.
        .target(name: "SlipwaySSH", dependencies: [
            "Commands",
            .product(name: "NIOSSH", package: "swift-nio-ssh"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Atomics", package: "swift-atomics"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: upcomingFeatures),
        // Where add-on backups are kept: a directory or S3 (S3Storage); a backup is listed only once complete.
        .target(name: "BackupStore", dependencies: [
            "S3Storage", "FileChunks", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: upcomingFeatures),
        // Secret config values encrypted at rest (AES-GCM) under a master key.
        .target(name: "SlipwaySecrets", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: upcomingFeatures),
        // Durable state: apps, deploys, stages, releases, the deploy queue (GRDB/SQLite).
        .target(name: "SlipwayStore", dependencies: [
            "SlipwayCore", "SlipwaySecrets",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: upcomingFeatures),
        // The Engine protocol, the local engine (container engine + router) and the Kubernetes engine.
        .target(name: "SlipwayEngines", dependencies: [
            "SlipwayCore", "DockerAPI", "SlipwayRouter", "SourceArchive", "KubernetesAPI", "KubernetesResources", "OCIRegistry", "SlipwayKubernetes",
            "Commands",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: upcomingFeatures),
        // The web dashboard: pages rendered from mustache templates, sign-in sessions and CSRF tokens;
        // every action is a call to the API's own responder, in process. Knows nothing of the server's internals.
        .target(name: "SlipwayDashboard", dependencies: [
            "SlipwayCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.embedInCode("Templates"), .embedInCode("Assets")], swiftSettings: upcomingFeatures),
        // Control plane: HTTP API, pipeline workers, reconciler, wiring.
        .target(name: "SlipwayServer", dependencies: [
            "SlipwayCore", "SlipwayDashboard", "SlipwayStore", "SlipwaySecrets", "SlipwayEngines", "SlipwayRouter", "DockerAPI", "SourceArchive",
            "SlipwaySource",
            "KubernetesAPI", "SlipwayKubernetes", "OCIRegistry", "Commands", "CertificateStore", "ACME", "SlipwayCertificates", "DNSUpdate", "GitReceive",
            "Cron", "BackupStore",
            "SlipwaySSH",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.copy("Resources/openapi.yaml")], swiftSettings: upcomingFeatures),
        // Typed client of the HTTP API, used by the CLI and the tests.
        .target(name: "SlipwayClient", dependencies: [
            "SlipwayCore", "FileChunks", .product(name: "Yams", package: "Yams"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        .executableTarget(name: "slipway", dependencies: [
            "SlipwayServer", "SlipwayRouter", "SlipwayClient", "SlipwayCore", "SlipwayKubernetes", "SourceArchive", "SlipwaySource", "GitReceive",
            "SlipwayEngines",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // What several test targets share: the real components they start (docker-registry, the
        // kmock Kubernetes API emulator), the fake Deployment controller, process helpers, and
        // `InMemoryEngine`, the engine test double of the in-process server suites.
        // Loopback ports for test servers, outside the range Podman's NAT rules may redirect.
        .target(name: "TestPorts", path: "Tests/TestPorts", swiftSettings: upcomingFeatures),
        .target(name: "SlipwayTestSupport", dependencies: ["KubernetesResources", "Commands", "TestPorts",
            "KubernetesAPI", "SlipwayEngines", "SlipwayCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Tests/SlipwayTestSupport", swiftSettings: upcomingFeatures),
        .testTarget(name: "SlipwayCoreTests", dependencies: ["SlipwayCore"], swiftSettings: upcomingFeatures),
        .testTarget(name: "SlipwayKubernetesTests", dependencies: ["Commands",
            "SlipwayKubernetes", "SlipwayCore", "KubernetesAPI", "KubernetesResources", .product(name: "Yams", package: "Yams"),
        ], swiftSettings: upcomingFeatures),
        .testTarget(name: "CommandsTests", dependencies: ["Commands"], swiftSettings: upcomingFeatures),
        // Key parsing and fingerprints against ssh-keygen, the exec policy, the host key file.
        .testTarget(name: "SlipwaySSHTests", dependencies: ["SlipwaySSH", "Commands",
            .product(name: "NIOSSH", package: "swift-nio-ssh"),
        ], swiftSettings: upcomingFeatures),
        .testTarget(name: "CronTests", dependencies: ["Cron"], swiftSettings: upcomingFeatures),
        // The directory store in process; the S3 store against moto's S3 server (a stand-in for S3).
        .testTarget(name: "BackupStoreTests", dependencies: ["BackupStore", "S3Storage", "SlipwayTestSupport", "TestPorts", "Commands"], swiftSettings: upcomingFeatures),
        // SigV4 against AWS's published examples; the client against moto's S3 server (a stand-in for S3).
        .testTarget(name: "S3StorageTests", dependencies: [
            "S3Storage", "FileChunks", "SlipwayTestSupport", "TestPorts", "Commands",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: upcomingFeatures),
        // A private CA and leaf certificates made with swift-certificates, for the TLS tests.
        .target(name: "TLSTestSupport", dependencies: [
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], path: "Tests/TLSTestSupport", swiftSettings: upcomingFeatures),
        .testTarget(name: "CertificateStoreTests", dependencies: ["CertificateStore", "TLSTestSupport"], swiftSettings: upcomingFeatures),
        .testTarget(name: "SourceArchiveTests", dependencies: ["SourceArchive", "Commands"], swiftSettings: upcomingFeatures),
        .testTarget(name: "FileChunksTests", dependencies: ["FileChunks", .product(name: "NIOCore", package: "swift-nio")], swiftSettings: upcomingFeatures),
        .testTarget(name: "SlipwayClientTests", dependencies: ["Commands", "SlipwayClient", "SlipwayCore"], swiftSettings: upcomingFeatures),
        .testTarget(name: "DockerAPITests", dependencies: [.product(name: "NIOHTTP1", package: "swift-nio"), "Commands",
            "DockerAPI",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        .testTarget(name: "OCIRegistryTests", dependencies: [.product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOFoundationCompat", package: "swift-nio"),
            "SlipwayTestSupport", "TestPorts", "OCIRegistry",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ], swiftSettings: upcomingFeatures),
        .testTarget(name: "KubernetesAPITests", dependencies: [
            "SlipwayTestSupport", "TestPorts", "KubernetesAPI", "KubernetesResources",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // The engines' tests: the Kubernetes engine against scripted API servers and, in the suites
        // `scripts/test.sh --unit` leaves out, the kmock emulator and a real registry.
        .testTarget(name: "SlipwayEnginesTests", dependencies: [.product(name: "NIOCore", package: "swift-nio"), "Commands",
            "SlipwayTestSupport", "SlipwayEngines", "SlipwayCore", "SlipwayKubernetes", "KubernetesAPI", "KubernetesResources", "OCIRegistry", "DockerAPI",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // A real pebble and pebble-challtestsrv on free loopback ports, and a real BIND (named)
        // authoritative for a test zone that takes TSIG-signed updates, for the ACME and DNS tests.
        .target(name: "ACMETestSupport", dependencies: [.product(name: "NIOHTTP1", package: "swift-nio"),
            "ACME", "TestPorts", "Commands",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/ACMETestSupport", swiftSettings: upcomingFeatures),
        // The ACME client: JWS, thumbprints and CSRs against known vectors, and the whole flow
        // against a real pebble and pebble-challtestsrv the suite starts (ACMEPebbleTests).
        .testTarget(name: "ACMETests", dependencies: [
            "ACME", "ACMETestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // The RFC 2136 client: wire format and TSIG against vectors made with dnspython, and
        // updates, queries and refused forgeries against a real BIND the suite starts.
        .testTarget(name: "DNSUpdateTests", dependencies: [
            "DNSUpdate", "ACMETestSupport", "TestPorts", "Commands",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        // Issuance, renewal at two thirds, backoff and events: the real router answering HTTP-01
        // for a real pebble, certificates in a real store.
        .testTarget(name: "SlipwayCertificatesTests", dependencies: [.product(name: "SwiftASN1", package: "swift-asn1"),
            "SlipwayCertificates", "ACME", "ACMETestSupport", "TestPorts", "CertificateStore", "SlipwayRouter", "SlipwayCore", "DNSUpdate",
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: upcomingFeatures),
        .testTarget(name: "SlipwayRouterTests", dependencies: [
            "SlipwayRouter", "TLSTestSupport", "Commands", "TestPorts",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], swiftSettings: upcomingFeatures),
        // The server in process, without a container engine: the API through HummingbirdTesting,
        // the pipeline, the deploy queue and the reconciler over `InMemoryEngine` and an in-memory store.
        .testTarget(name: "SlipwayServerTests", dependencies: [.product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "NIOHTTP1", package: "swift-nio"),
            "SlipwayServer", "SlipwayTestSupport", "TestPorts", "SlipwayStore", "SlipwayEngines", "SlipwayCore", "SlipwaySecrets", "SourceArchive",
            "TLSTestSupport", "CertificateStore", "SlipwayRouter", "SlipwayDashboard",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: upcomingFeatures),
        .testTarget(name: "SlipwayStoreTests", dependencies: ["Commands",
            "SlipwayStore", "SlipwayCore", "SlipwaySecrets", .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: upcomingFeatures),
        .testTarget(name: "SlipwayIntegrationTests", dependencies: ["Commands",
            "ACMETestSupport", "TestPorts", .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Crypto", package: "swift-crypto"),
            "SlipwayTestSupport", "SlipwayClient", "SlipwayCore", "DockerAPI", "KubernetesAPI", "KubernetesResources", "TLSTestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ], swiftSettings: upcomingFeatures),
    ]
)
