import Foundation
import SlipwayCore
import Testing
@testable import SlipwayClient

struct DeploySourceTests {
    let cwd = URL(fileURLWithPath: "/home/dev/projects")

    func classify(_ raw: String, existing: [String: DeploySource.PathKind] = [:]) throws -> DeploySource {
        try DeploySource.classify(raw, currentDirectory: cwd, kind: { existing[$0] })
    }

    @Test func existingFolderIsUploaded() throws {
        let folders: [String: DeploySource.PathKind] = ["/home/dev/projects/shop": .directory, "/home/dev/projects": .directory]
        #expect(try classify("shop", existing: folders) == .folder(URL(fileURLWithPath: "/home/dev/projects/shop", isDirectory: true)))
        #expect(try classify("./shop/", existing: folders) == .folder(URL(fileURLWithPath: "/home/dev/projects/shop", isDirectory: true)))
        #expect(try classify(".", existing: folders) == .folder(URL(fileURLWithPath: "/home/dev/projects", isDirectory: true)))
    }

    @Test(arguments: ["https://github.com/acme/shop.git", "ssh://git@host/acme/shop", "file:///srv/git/shop", "git@github.com:acme/shop.git"])
    func gitURLs(_ url: String) throws {
        #expect(try classify(url) == .git(url: url))
    }

    @Test func missingFolderAndFilesAreClearErrors() throws {
        let missing = #expect(throws: SlipwayError.self) { try classify("./nope") }
        #expect(missing?.message.contains("there is no folder at /home/dev/projects/nope") == true)
        let file = #expect(throws: SlipwayError.self) { try classify("notes.txt", existing: ["/home/dev/projects/notes.txt": .file]) }
        #expect(file?.message.contains("is a file") == true)
        let helper = #expect(throws: SlipwayError.self) { try classify("ext::sh -c evil") }
        #expect(helper?.code == "invalid_source")
    }

    @Test func appNamePrecedence() throws {
        let folder = DeploySource.folder(URL(fileURLWithPath: "/home/dev/My_Shop"))
        // --app wins, then slipway.yaml's name, then the folder name (sanitised).
        #expect(try folder.appName(explicit: "explicit", manifestText: "name: from-yaml\nservices: {web: {}}").value == "explicit")
        #expect(try folder.appName(explicit: nil, manifestText: "name: from-yaml\nservices:\n  web: {}\n").value == "from-yaml")
        #expect(try folder.appName(explicit: nil, manifestText: nil).value == "my-shop")
        // A manifest that does not parse is the server's to report; the name falls back to the folder.
        #expect(try folder.appName(explicit: nil, manifestText: "services: [oops").value == "my-shop")
        #expect(try DeploySource.git(url: "git@github.com:acme/Web.Site.git").appName(explicit: nil, manifestText: nil).value == "web-site")
    }

    @Test func invalidNamesAreExplained() {
        let bad = #expect(throws: SlipwayError.self) {
            try DeploySource.git(url: "https://x/y").appName(explicit: "Bad_Name", manifestText: nil)
        }
        #expect(bad?.message.contains("has uppercase letters") == true)
        let none = #expect(throws: SlipwayError.self) {
            try DeploySource.folder(URL(fileURLWithPath: "/___")).appName(explicit: nil, manifestText: nil)
        }
        #expect(none?.message.contains("pass one with --app NAME") == true)
    }
}
