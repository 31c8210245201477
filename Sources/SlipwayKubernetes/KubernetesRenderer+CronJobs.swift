import Foundation
import KubernetesResources
import SlipwayCore

/// Scheduled jobs (`cron:`) as batch/v1 CronJobs with the same fields: schedule, time zone,
/// concurrency, and the timeout as the Job's `activeDeadlineSeconds`. A run is a pod of the default
/// service's image, config and volumes with the job's command, as the local engine runs it.
extension KubernetesRenderer {
    /// Kubernetes appends 11 characters to a CronJob's name for its Jobs: 52 at most.
    static let maxCronJobName = 52

    func cronJobs(_ context: Context) throws -> [KubernetesObject] {
        let release = context.release
        guard let jobs = release.cronJobs, !jobs.isEmpty,
              let service = release.services.first(where: { $0.name == release.defaultService })
                ?? release.services.sorted(by: { $0.name < $1.name }).first else { return [] }
        return try jobs.sorted { $0.name < $1.name }.map { job in
            let name = KubernetesNames.cronJob(app: release.app, job: job.name)
            let component = KubernetesNames.label("cron", job.name)
            var pod = try podSpec(service, context, containerName: "cron", command: job.command, probes: false, ports: false)
            if case .map(var fields) = pod {
                fields.insert(.init("restartPolicy", "Never"), at: 0)
                pod = .map(fields)
            }
            let concurrency = switch job.concurrency {
            case .forbid: "Forbid"
            case .allow: "Allow"
            case .replace: "Replace"
            }
            return KubernetesObject(kind: .cronJob, name: name, namespace: context.namespace, body: [
                "apiVersion": .string(KubernetesResource.cronJob.apiVersion), "kind": "CronJob",
                "metadata": context.metadata(name: name, component: component),
                "spec": .fields([
                    "schedule": .string(job.schedule),
                    "timeZone": job.timeZone.map(KubernetesValue.string),
                    "concurrencyPolicy": .string(concurrency),
                    // A run missed by up to five minutes (a controller restart) still starts.
                    "startingDeadlineSeconds": 300,
                    "successfulJobsHistoryLimit": 3,
                    "failedJobsHistoryLimit": 3,
                    "jobTemplate": [
                        "metadata": ["labels": context.labels(component: component)],
                        "spec": [
                            "backoffLimit": 0,
                            "activeDeadlineSeconds": .int(Int(job.timeout.rounded(.up))),
                            "template": [
                                "metadata": [
                                    "labels": context.labels(component: component),
                                    "annotations": .map([.init(Self.checksumAnnotation, .string(context.checksum))]),
                                ],
                                "spec": pod,
                            ],
                        ],
                    ],
                ]),
            ])
        }
    }
}
