// swift-tools-version:5.9
// The same reverse proxy as ../epoll-proxy, on SwiftNIO channels (see ../README.md).
import PackageDescription

let package = Package(
    name: "nio-proxy",
    dependencies: [.package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2")],
    targets: [
        .executableTarget(
            name: "nio-proxy",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ])
    ]
)
