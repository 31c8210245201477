/// Checks of repository names and references before they go into a URL path, following the
/// distribution spec's grammar (lowercase path components; tags of at most 128 characters).
enum RegistryNames {
    static func validateRepository(_ name: String) throws {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        let valid = !name.isEmpty && name.utf8.count <= 255 && components.allSatisfy(isValidComponent)
        guard valid else {
            throw OCIRegistryError.invalidArgument(
                "\"\(name.prefix(100))\" is not a repository name (lowercase letters, digits and . _ - between them, components separated by /)"
            )
        }
    }

    /// A tag or a digest.
    static func validateReference(_ reference: String) throws {
        if OCIDigest.isValid(reference) { return }
        try validateTag(reference)
    }

    static func validateTag(_ tag: String) throws {
        let bytes = Array(tag.utf8)
        let valid = !bytes.isEmpty && bytes.count <= 128 && bytes[0] != UInt8(ascii: ".") && bytes[0] != UInt8(ascii: "-")
            && bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
        guard valid else {
            throw OCIRegistryError.invalidArgument("\"\(tag.prefix(130))\" is neither a tag (up to 128 of A-Z a-z 0-9 _ . -, not starting with . or -) nor a digest")
        }
    }

    private static func isValidComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        guard let first = bytes.first, let last = bytes.last,
              isLowerAlphanumeric(first), isLowerAlphanumeric(last)
        else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}
