// swift-tools-version:6.0
import PackageDescription

// One library per concern; dependencies point one way (see docs/ARCHITECTURE.md). The targets
// come in groups, each building only on the groups before it; the package is put together at
// the end of this file from the group lists.

// MARK: - Products of other packages, by the module name a file imports

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let asyncHTTPClient: Target.Dependency = .product(name: "AsyncHTTPClient", package: "async-http-client")
let atomics: Target.Dependency = .product(name: "Atomics", package: "swift-atomics")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let cryptoExtras: Target.Dependency = .product(name: "_CryptoExtras", package: "swift-crypto")
let grdb: Target.Dependency = .product(name: "GRDB", package: "GRDB.swift")
let httpTypes: Target.Dependency = .product(name: "HTTPTypes", package: "swift-http-types")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let hummingbirdCore: Target.Dependency = .product(name: "HummingbirdCore", package: "hummingbird")
let hummingbirdTLS: Target.Dependency = .product(name: "HummingbirdTLS", package: "hummingbird")
let hummingbirdTesting: Target.Dependency = .product(name: "HummingbirdTesting", package: "hummingbird")
let hummingbirdWebSocket: Target.Dependency = .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket")
let hummingbirdWSClient: Target.Dependency = .product(name: "HummingbirdWSClient", package: "hummingbird-websocket")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let mustache: Target.Dependency = .product(name: "Mustache", package: "swift-mustache")
let nioConcurrencyHelpers: Target.Dependency = .product(name: "NIOConcurrencyHelpers", package: "swift-nio")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioExtras: Target.Dependency = .product(name: "NIOExtras", package: "swift-nio-extras")
let nioFoundationCompat: Target.Dependency = .product(name: "NIOFoundationCompat", package: "swift-nio")
let nioHPACK: Target.Dependency = .product(name: "NIOHPACK", package: "swift-nio-http2")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let nioHTTP2: Target.Dependency = .product(name: "NIOHTTP2", package: "swift-nio-http2")
let nioHTTPTypes: Target.Dependency = .product(name: "NIOHTTPTypes", package: "swift-nio-extras")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioSSH: Target.Dependency = .product(name: "NIOSSH", package: "swift-nio-ssh")
let nioSSL: Target.Dependency = .product(name: "NIOSSL", package: "swift-nio-ssl")
let nioTLS: Target.Dependency = .product(name: "NIOTLS", package: "swift-nio")
let prometheus: Target.Dependency = .product(name: "Prometheus", package: "swift-prometheus")
let serviceLifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let subprocess: Target.Dependency = .product(name: "Subprocess", package: "swift-subprocess")
let swiftASN1: Target.Dependency = .product(name: "SwiftASN1", package: "swift-asn1")
let systemPackage: Target.Dependency = .product(name: "SystemPackage", package: "swift-system")
let unixSignals: Target.Dependency = .product(name: "UnixSignals", package: "swift-service-lifecycle")
let x509: Target.Dependency = .product(name: "X509", package: "swift-certificates")
let yams: Target.Dependency = .product(name: "Yams", package: "Yams")

// MARK: - Pure code: no I/O

let pure: [Target] = [
    // Domain: apps, manifests, releases, deploys, stages, names.
    .target(name: "SlipwayCore", dependencies: ["Cron", yams]),
    // Cron expressions (five fields, names, shorthands) and their next time in a time zone.
    .target(name: "Cron"),
    // The kinds of Kubernetes objects Slipway uses and where the API serves them (group, version,
    // plural, paths): one table for the renderer and the client. No dependencies.
    .target(name: "KubernetesResources"),
    // Release -> Kubernetes objects (Deployments, Services, Ingress...) and their YAML.
    .target(name: "SlipwayKubernetes", dependencies: ["SlipwayCore", "KubernetesResources", crypto, yams]),
]

// MARK: - Leaf clients: they know nothing of Slipway

let clients: [Target] = [
    // Files streamed from disk as ByteBuffer chunks, for the clients' uploads.
    .target(name: "FileChunks", dependencies: [nioCore, nioFoundationCompat]),
    // The Docker Engine API (Podman or Docker) over a unix socket.
    .target(name: "DockerAPI", dependencies: ["FileChunks", asyncHTTPClient, nioCore, nioPosix, nioFoundationCompat, logging]),
    // The OCI distribution API (push and pull of blobs and manifests).
    .target(name: "OCIRegistry", dependencies: ["FileChunks", asyncHTTPClient, nioCore, nioFoundationCompat, nioHTTP1, logging, crypto]),
    // The Kubernetes API: kubeconfig, server-side apply, watch, pod logs.
    .target(name: "KubernetesAPI", dependencies: ["KubernetesResources", asyncHTTPClient, nioCore, nioHTTP1, nioSSL, yams, logging]),
    // ACME (RFC 8555): account, orders, HTTP-01/DNS-01 challenges, CSRs, certificates.
    .target(name: "ACME", dependencies: [asyncHTTPClient, nioCore, nioHTTP1, nioSSL, crypto, x509, swiftASN1, logging]),
    // Authoritative DNS servers: RFC 2136 dynamic updates of TXT records signed with TSIG
    // (RFC 8945, HMAC-SHA256), answers verified; queries to read them back. For DNS-01.
    .target(name: "DNSUpdate", dependencies: [nioCore, nioPosix, nioExtras, crypto, logging]),
    // S3 object storage (AWS Signature V4 on swift-crypto): put (streamed), get, list, delete.
    .target(name: "S3Storage", dependencies: [asyncHTTPClient, crypto, nioCore, nioHTTP1, nioFoundationCompat]),
]

// MARK: - Building blocks: one concern each, no Slipway domain types

let buildingBlocks: [Target] = [
    // Programs run to their end or in the background (git, tar, podman) on swift-subprocess:
    // timeouts, output limits, cancellation that ends the child; no thread ever waits on one.
    .target(name: "Commands", dependencies: [subprocess, systemPackage]),
    // git's pkt-lines and the channel between a push's `proc-receive` hook (`slipway git-hook`) and the server.
    .target(name: "GitReceive"),
    // Source trees as archives: tar/tar.gz creation honouring .dockerignore, safe extraction.
    .target(name: "SourceArchive", dependencies: ["Commands"]),
    // HTTP/1.1 and HTTP/2 reverse proxy on SwiftNIO, routing by Host header.
    .target(name: "SlipwayRouter", dependencies: [
        nioCore, nioPosix, nioHTTP1, nioConcurrencyHelpers, nioExtras, nioSSL, nioTLS, nioHTTP2, nioHPACK,
        atomics, logging, metrics, serviceLifecycle, unixSignals,
    ]),
    // TLS certificates and keys in the data directory (certs/HOST/), checked with swift-certificates.
    .target(name: "CertificateStore", dependencies: [x509, swiftASN1]),
    // `git push` over SSH (swift-nio-ssh): the server, its ed25519 host key, users' public keys
    // (parsed, fingerprinted) and the one exec policy (git-receive-pack/git-upload-pack of APP.git);
    // what an accepted git command runs is the server's (a `GitCommandRunner`). No Slipway types.
    .target(name: "SlipwaySSH", dependencies: [
        "Commands", nioSSH, nioCore, nioPosix, nioConcurrencyHelpers, crypto, atomics, logging, serviceLifecycle,
    ]),
    // Where add-on backups are kept: a directory or S3 (S3Storage); a backup is listed only once complete.
    .target(name: "BackupStore", dependencies: ["S3Storage", "FileChunks", crypto, nioCore]),
    // Secret config values encrypted at rest (AES-GCM) under a master key.
    .target(name: "SlipwaySecrets", dependencies: [crypto]),
]

// MARK: - Slipway: the libraries of the server and the CLI, and the one executable

let slipway: [Target] = [
    // A deploy's source tree: fetched (git clone, upload, server directory) into a workspace and
    // read as the `config` stage reads it (slipway.yaml, RAD config.json, Procfile, stack
    // detection). Used by the server's pipeline and by `slipway k8s render`.
    .target(name: "SlipwaySource", dependencies: ["SlipwayCore", "SourceArchive", "Commands"]),
    // Durable state: apps, deploys, stages, releases, the deploy queue (GRDB/SQLite).
    .target(name: "SlipwayStore", dependencies: ["SlipwayCore", "SlipwaySecrets", grdb, crypto]),
    // The Engine protocol, the local engine (container engine + router) and the Kubernetes engine.
    .target(name: "SlipwayEngines", dependencies: [
        "SlipwayCore", "DockerAPI", "SlipwayRouter", "SourceArchive", "KubernetesAPI", "KubernetesResources", "OCIRegistry",
        "SlipwayKubernetes", "Commands", logging, nioCore, nioPosix,
    ]),
    // Certificates for the hosts that need them: ACME issuance into the certificate store and
    // renewal at two thirds of their life, with backoff and events; HTTP-01 through the router.
    .target(name: "SlipwayCertificates", dependencies: [
        "ACME", "CertificateStore", "SlipwayRouter", "SlipwayCore", "DNSUpdate", logging, serviceLifecycle,
    ]),
    // The web dashboard: pages rendered from mustache templates, sign-in sessions and CSRF tokens;
    // every action is a call to the API's own responder, in process. Knows nothing of the server's internals.
    .target(name: "SlipwayDashboard", dependencies: ["SlipwayCore", hummingbird, mustache, crypto, logging],
            resources: [.embedInCode("Templates"), .embedInCode("Assets")]),
    // Control plane: HTTP API, pipeline workers, reconciler, wiring.
    .target(name: "SlipwayServer", dependencies: [
        "SlipwayCore", "SlipwayDashboard", "SlipwayStore", "SlipwaySecrets", "SlipwayEngines", "SlipwayRouter", "DockerAPI",
        "SourceArchive", "SlipwaySource", "KubernetesAPI", "SlipwayKubernetes", "OCIRegistry", "Commands", "CertificateStore",
        "ACME", "SlipwayCertificates", "DNSUpdate", "GitReceive", "Cron", "BackupStore", "SlipwaySSH",
        nioCore, hummingbird, hummingbirdWebSocket, hummingbirdTLS, hummingbirdCore, httpTypes, nioHTTPTypes, asyncHTTPClient,
        nioPosix, nioHTTP1, nioSSL, crypto, metrics, prometheus, serviceLifecycle, unixSignals, logging,
    ], resources: [.copy("Resources/openapi.yaml")]),
    // Typed client of the HTTP API, used by the CLI and the tests.
    .target(name: "SlipwayClient", dependencies: [
        "SlipwayCore", "FileChunks", yams, hummingbirdWSClient, httpTypes, asyncHTTPClient, nioSSL, nioCore, nioHTTP1,
        nioFoundationCompat, logging,
    ]),
    // The CLI; `slipway server`, `router` and `install-systemd` run or set up what SlipwayServer holds.
    .executableTarget(name: "slipway", dependencies: [
        "SlipwayServer", "SlipwayRouter", "SlipwayClient", "SlipwayCore", "SlipwayKubernetes", "SourceArchive", "SlipwaySource",
        "GitReceive", "SlipwayEngines", argumentParser, logging,
    ]),
]

// MARK: - What several test targets share

let testSupport: [Target] = [
    // Loopback ports for test servers, outside the range Podman's NAT rules may redirect.
    .target(name: "TestPorts", path: "Tests/TestPorts"),
    // The real components tests start (docker-registry, the kmock Kubernetes API emulator), the
    // fake Deployment controller, process helpers, and `InMemoryEngine`, the engine test double of
    // the in-process server suites.
    .target(name: "SlipwayTestSupport", dependencies: [
        "KubernetesResources", "Commands", "TestPorts", "KubernetesAPI", "SlipwayEngines", "SlipwayCore",
        asyncHTTPClient, nioCore, nioPosix, nioConcurrencyHelpers, nioHTTP1, nioSSL, crypto,
    ], path: "Tests/SlipwayTestSupport"),
    // A private CA and leaf certificates made with swift-certificates, for the TLS tests.
    .target(name: "TLSTestSupport", dependencies: [x509, crypto, cryptoExtras, swiftASN1], path: "Tests/TLSTestSupport"),
    // A real pebble and pebble-challtestsrv on free loopback ports, and a real BIND (named)
    // authoritative for a test zone that takes TSIG-signed updates, for the ACME and DNS tests.
    .target(name: "ACMETestSupport", dependencies: [
        "ACME", "TestPorts", "Commands", nioHTTP1, asyncHTTPClient, nioSSL, nioCore, nioPosix, logging,
    ], path: "Tests/ACMETestSupport"),
]

// MARK: - Tests, one target per library (`<Target>Tests`), then the end-to-end suite

let tests: [Target] = [
    .testTarget(name: "SlipwayCoreTests", dependencies: ["SlipwayCore"]),
    .testTarget(name: "CronTests", dependencies: ["Cron"]),
    .testTarget(name: "SlipwayKubernetesTests", dependencies: [
        "Commands", "SlipwayKubernetes", "SlipwayCore", "KubernetesAPI", "KubernetesResources", yams,
    ]),
    .testTarget(name: "FileChunksTests", dependencies: ["FileChunks", nioCore]),
    .testTarget(name: "DockerAPITests", dependencies: ["Commands", "DockerAPI", nioHTTP1, asyncHTTPClient, nioCore, logging]),
    .testTarget(name: "OCIRegistryTests", dependencies: [
        "SlipwayTestSupport", "TestPorts", "OCIRegistry", nioHTTP1, nioFoundationCompat, asyncHTTPClient, nioCore, logging, crypto,
        hummingbird,
    ]),
    .testTarget(name: "KubernetesAPITests", dependencies: [
        "SlipwayTestSupport", "TestPorts", "KubernetesAPI", "KubernetesResources",
        asyncHTTPClient, nioCore, nioPosix, nioConcurrencyHelpers, nioHTTP1, nioSSL, logging,
    ]),
    // The ACME client: JWS, thumbprints and CSRs against known vectors, and the whole flow
    // against a real pebble and pebble-challtestsrv the suite starts (ACMEPebbleTests).
    .testTarget(name: "ACMETests", dependencies: [
        "ACME", "ACMETestSupport", asyncHTTPClient, crypto, x509, swiftASN1, nioCore, nioPosix, nioHTTP1, logging,
    ]),
    // The RFC 2136 client: wire format and TSIG against vectors made with dnspython, and
    // updates, queries and refused forgeries against a real BIND the suite starts.
    .testTarget(name: "DNSUpdateTests", dependencies: ["DNSUpdate", "ACMETestSupport", "TestPorts", "Commands", logging]),
    // SigV4 against AWS's published examples; the client against moto's S3 server (a stand-in for S3).
    .testTarget(name: "S3StorageTests", dependencies: [
        "S3Storage", "FileChunks", "SlipwayTestSupport", "TestPorts", "Commands", asyncHTTPClient, nioCore,
    ]),
    .testTarget(name: "CommandsTests", dependencies: ["Commands"]),
    .testTarget(name: "SourceArchiveTests", dependencies: ["SourceArchive", "Commands"]),
    .testTarget(name: "SlipwayRouterTests", dependencies: [
        "SlipwayRouter", "TLSTestSupport", "Commands", "TestPorts", asyncHTTPClient, logging, serviceLifecycle, nioCore, nioPosix,
        nioHTTP1,
    ]),
    .testTarget(name: "CertificateStoreTests", dependencies: ["CertificateStore", "TLSTestSupport"]),
    // Key parsing and fingerprints against ssh-keygen, the exec policy, the host key file.
    .testTarget(name: "SlipwaySSHTests", dependencies: ["SlipwaySSH", "Commands", nioSSH]),
    // The directory store in process; the S3 store against moto's S3 server (a stand-in for S3).
    .testTarget(name: "BackupStoreTests", dependencies: ["BackupStore", "S3Storage", "SlipwayTestSupport", "TestPorts", "Commands"]),
    .testTarget(name: "SlipwayStoreTests", dependencies: ["Commands", "SlipwayStore", "SlipwayCore", "SlipwaySecrets", crypto]),
    // The engines' tests: the Kubernetes engine against scripted API servers and, in the suites
    // `scripts/test.sh --unit` leaves out, the kmock emulator and a real registry.
    .testTarget(name: "SlipwayEnginesTests", dependencies: [
        "Commands", "SlipwayTestSupport", "SlipwayEngines", "SlipwayCore", "SlipwayKubernetes", "KubernetesAPI", "KubernetesResources",
        "OCIRegistry", "DockerAPI", nioCore, asyncHTTPClient, logging,
    ]),
    // Issuance, renewal at two thirds, backoff and events: the real router answering HTTP-01
    // for a real pebble, certificates in a real store.
    .testTarget(name: "SlipwayCertificatesTests", dependencies: [
        "SlipwayCertificates", "ACME", "ACMETestSupport", "TestPorts", "CertificateStore", "SlipwayRouter", "SlipwayCore", "DNSUpdate",
        swiftASN1, x509, crypto, logging,
    ]),
    // The server in process, without a container engine: the API through HummingbirdTesting,
    // the pipeline, the deploy queue and the reconciler over `InMemoryEngine` and an in-memory store.
    .testTarget(name: "SlipwayServerTests", dependencies: [
        "SlipwayServer", "SlipwayTestSupport", "TestPorts", "SlipwayStore", "SlipwayEngines", "SlipwayCore", "SlipwaySecrets",
        "SourceArchive", "TLSTestSupport", "CertificateStore", "SlipwayRouter", "SlipwayDashboard",
        httpTypes, nioHTTP1, grdb, hummingbird, hummingbirdTesting, logging, yams, crypto,
    ]),
    .testTarget(name: "SlipwayClientTests", dependencies: ["Commands", "SlipwayClient", "SlipwayCore"]),
    // The real `slipway` binary end to end: on Podman, the registry, git, pebble, BIND, a browser.
    .testTarget(name: "SlipwayIntegrationTests", dependencies: [
        "Commands", "ACMETestSupport", "TestPorts", "SlipwayTestSupport", "SlipwayClient", "SlipwayCore", "DockerAPI",
        "KubernetesAPI", "KubernetesResources", "TLSTestSupport",
        x509, swiftASN1, crypto, asyncHTTPClient, nioCore, nioPosix, nioHTTP1, logging, yams, hummingbirdWSClient, httpTypes,
    ]),
]

// MARK: - The package

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
    targets: pure + clients + buildingBlocks + slipway + testSupport + tests
)

// Every target builds with the upcoming-feature settings Hummingbird uses: `any` spelled out for
// existentials, and members visible only from modules a file imports (issue 13 item 3).
for target in package.targets {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility"),
    ]
}
