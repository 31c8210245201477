import Foundation
import KubernetesAPI
import Logging
import SlipwayCore
import SlipwayEngines
import SlipwayKubernetes

let testLogger: Logger = {
    var logger = Logger(label: "SlipwayEngineK8sTests")
    logger.logLevel = .warning
    return logger
}()

/// Collects deploy log lines.
actor LogLines {
    var lines: [String] = []
    func append(_ line: String) { lines.append(line) }
    var sink: LogSink { { line in await self.append(line) } }
}

