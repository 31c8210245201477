import Testing

/// Every integration suite runs inside this one, one test at a time: they share one container
/// engine on a 2-core machine, and deploys racing each other for it would measure the machine,
/// not Slipway.
@Suite(.serialized) enum Integration {}
