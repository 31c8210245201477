import SlipwayCore

/// Boolean query parameters (`?volumes=true`): absent is false; anything but true/false/1/0 is
/// a 400 that says what is accepted, rather than a silent false.
enum QueryFlag {
    static func value(_ raw: String?, name: String) throws -> Bool {
        guard let raw else { return false }
        switch raw.lowercased() {
        case "true", "1", "yes", "": return true
        case "false", "0", "no": return false
        default: throw SlipwayError.invalidRequest("query parameter `\(name)` must be true or false, got \"\(raw)\"")
        }
    }
}
