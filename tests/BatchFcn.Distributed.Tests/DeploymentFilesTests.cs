using System.Text;
using System.Text.RegularExpressions;
using BatchFcn.Inference;
using BatchFcn.Scanning;
using BatchFcn.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace BatchFcn.Distributed.Tests;

/// <summary>The deployment files agree with the code (no engine or cluster here; <c>scripts/check-compose.sh</c> and
/// <c>scripts/check-helm.sh</c> validate their schemas): every worker environment in docker-compose.yml plus its image,
/// and in every rendering of the Helm chart, is a configuration the worker starts with (unknown keys and bad values are
/// refused at start), and ports, probes, queue names and service addresses line up.</summary>
public sealed partial class DeploymentFilesTests
{
    private static readonly string Root = TestPaths.RepositoryRoot;

    [Fact]
    public void WorkerConfiguration_MisspeltKey_IsRefused()
    {
        var env = new Dictionary<string, string> { ["BATCHFCN_RABBITMQ"] = "amqp://guest:guest@rabbitmq:5672/", ["BatchFcn__Node__Reader"] = "2" };
        var e = Assert.ThrowsAny<InvalidOperationException>(() => ValidateWorker(env));
        Assert.Contains("Reader", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_WorkerServices_StartWithTheirEnvironmentAndPortsLineUp()
    {
        var compose = (Dictionary<object, object>)ReadYaml(File.ReadAllText(System.IO.Path.Combine(Root, "docker-compose.yml"))).Single();
        var services = (Dictionary<object, object>)compose["services"];
        var image = DockerfileEnvironment("worker.Dockerfile");
        Assert.Equal(image, DockerfileEnvironment("worker-gpu.Dockerfile").Where(kv => image.ContainsKey(kv.Key)).ToDictionary());
        foreach (string name in new[] { "worker", "worker-gpu", "cli" })
        {
            var service = (Dictionary<object, object>)services[name];
            var env = new Dictionary<string, string>(image);
            foreach (var (key, value) in (Dictionary<object, object>)service["environment"])
            {
                env[(string)key] = (string)value;
            }

            ValidateWorker(env);
            var broker = RabbitMqAddress.Parse(env[RabbitMqAddress.Variable]);
            Assert.Contains(broker.Host, services.Keys);
            Assert.Contains(Regex.Match(env["BATCHFCN_STORAGE"], @"BlobEndpoint=http://(?<host>[^:/]+)").Groups["host"].Value, services.Keys);
            Assert.Contains(new Uri(env["OTEL_EXPORTER_OTLP_ENDPOINT"]).Host, services.Keys);
        }

        Assert.Equal("cpu", Environment(services, "worker")["BatchFcn__Backend__Backend"]);
        Assert.Equal("cuda", Environment(services, "worker-gpu")["BatchFcn__Backend__Backend"]);

        // The image's health check asks the port the worker serves health on; Prometheus scrapes the metrics port.
        foreach (var dockerfile in new[] { "worker.Dockerfile", "worker-gpu.Dockerfile" })
        {
            string text = File.ReadAllText(System.IO.Path.Combine(Root, "deploy", dockerfile));
            Assert.Contains("${BatchFcn__Distributed__HealthPort}/healthz/ready", text, StringComparison.Ordinal);
            Assert.Contains($"EXPOSE {image["BatchFcn__Distributed__HealthPort"]} {image["BatchFcn__Telemetry__MetricsPort"]}", text, StringComparison.Ordinal);
        }

        var prometheus = (Dictionary<object, object>)ReadYaml(File.ReadAllText(System.IO.Path.Combine(Root, "deploy", "prometheus", "prometheus.yml"))).Single();
        var workerJob = ((List<object>)prometheus["scrape_configs"]).Cast<Dictionary<object, object>>().Single(j => (string)j["job_name"] == "batchfcn-worker");
        string jobText = string.Join(' ', Flatten(workerJob));
        Assert.Contains(image["BatchFcn__Telemetry__MetricsPort"], jobText, StringComparison.Ordinal);
        Assert.Contains("worker", jobText, StringComparison.Ordinal);

        var collector = (Dictionary<object, object>)ReadYaml(File.ReadAllText(System.IO.Path.Combine(Root, "deploy", "otel-collector.yaml"))).Single();
        Assert.Contains(":" + new Uri(Environment(services, "worker")["OTEL_EXPORTER_OTLP_ENDPOINT"]).Port, string.Join(' ', Flatten(collector["receivers"])), StringComparison.Ordinal);
    }

    [Fact]
    public void Chart_EveryRendering_WorkersStartWithTheirEnvironmentAndPortsProbesAndQueueLineUp()
    {
        string folder = System.IO.Path.Combine(Root, "artifacts", "helm");
        if (!File.Exists(System.IO.Path.Combine(folder, "default.yaml")))
        {
            // ./build.sh test renders the chart first (scripts/check-helm.sh, with a real helm); render it now otherwise.
            var check = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", [System.IO.Path.Combine(Root, "scripts", "check-helm.sh"), "-q"])
            {
                WorkingDirectory = Root,
            })!;
            check.WaitForExit();
            Assert.True(check.ExitCode == 0, "scripts/check-helm.sh failed");
        }

        var renderings = Directory.GetFiles(folder, "*.yaml");
        Assert.True(renderings.Length >= 4, "default, CPU-only, GPU-only and KEDA-off renderings");
        int deployments = 0;
        foreach (var file in renderings)
        {
            var docs = ReadYaml(File.ReadAllText(file)).OfType<Dictionary<object, object>>().ToList();
            var secrets = docs.Where(d => (string)d["kind"] == "Secret").ToDictionary(d => Get(d, "metadata", "name"), d => (Dictionary<object, object>)d["data"]);
            foreach (var deployment in docs.Where(d => (string)d["kind"] == "Deployment"))
            {
                deployments++;
                var pod = (Dictionary<object, object>)Node(deployment, "spec", "template", "spec");
                var container = ((List<object>)pod["containers"]).Cast<Dictionary<object, object>>().Single();
                Assert.Equal(new[] { "worker", "--json-logs" }, ((List<object>)container["args"]).Cast<string>());
                var env = new Dictionary<string, string>();
                foreach (Dictionary<object, object> variable in (List<object>)container["env"])
                {
                    string name = (string)variable["name"];
                    if (variable.TryGetValue("value", out var value))
                    {
                        env[name] = (string)value;
                    }
                    else if (variable.TryGetValue("valueFrom", out var from) && ((Dictionary<object, object>)from).TryGetValue("secretKeyRef", out var refObject))
                    {
                        var reference = (Dictionary<object, object>)refObject;
                        env[name] = secrets.TryGetValue((string)reference["name"], out var data) && data.TryGetValue(reference["key"], out var encoded)
                            ? Encoding.UTF8.GetString(Convert.FromBase64String((string)encoded))
                            : name == RabbitMqAddress.Variable ? "amqp://user:password@rabbitmq:5672/" : "UseDevelopmentStorage=true"; // an existing Secret
                    }
                }

                ValidateWorker(env);
                var ports = ((List<object>)container["ports"]).Cast<Dictionary<object, object>>().ToDictionary(p => (string)p["name"], p => (string)p["containerPort"]);
                Assert.Equal(env["BatchFcn__Distributed__HealthPort"], ports["health"]);
                Assert.Equal(env["BatchFcn__Telemetry__MetricsPort"], ports["metrics"]);
                Assert.Equal("/healthz/ready", Get(container, "readinessProbe", "httpGet", "path"));
                Assert.Equal("/healthz/live", Get(container, "livenessProbe", "httpGet", "path"));
                Assert.Equal("health", Get(container, "readinessProbe", "httpGet", "port"));
            }

            foreach (var scaled in docs.Where(d => (string)d["kind"] == "ScaledObject"))
            {
                var triggers = ((List<object>)Node(scaled, "spec", "triggers")).Cast<Dictionary<object, object>>();
                Assert.Contains(triggers, t => Get(t, "metadata", "queueName") == ScanQueues.Tiles && Get(t, "metadata", "protocol") == "http");
            }
        }

        Assert.True(deployments >= 4, "worker Deployments in the renderings");
    }

    /// <summary>Starts the worker's option pipeline on this environment: binding (unknown keys refused) and validation,
    /// exactly as the worker does at start.</summary>
    private static void ValidateWorker(IReadOnlyDictionary<string, string> env)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(WorkerEnvironment.Settings(env)).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddBatchFcnDistributed(configuration, RabbitMqAddress.Parse(env[RabbitMqAddress.Variable]), worker: true).AddBatchFcnTelemetry(configuration);
        using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<IOptions<DistributedOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<NodeOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<BackendOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<ScanOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<OutputOptions>>().Value;
    }

    private static Dictionary<string, string> DockerfileEnvironment(string dockerfile)
    {
        string text = File.ReadAllText(System.IO.Path.Combine(Root, "deploy", dockerfile)).Replace("\\\n", " ", StringComparison.Ordinal);
        return EnvLine().Matches(text).SelectMany(m => Assignment().Matches(m.Groups[1].Value))
            .ToDictionary(a => a.Groups["key"].Value, a => a.Groups["value"].Value);
    }

    private static Dictionary<string, string> Environment(Dictionary<object, object> services, string name) =>
        ((Dictionary<object, object>)((Dictionary<object, object>)services[name])["environment"]).ToDictionary(kv => (string)kv.Key, kv => (string)kv.Value);

    private static object Node(object node, params string[] keys) => keys.Aggregate(node, (n, k) => ((Dictionary<object, object>)n)[k]);

    private static string Get(object node, params string[] keys) => (string)Node(node, keys);

    private static IEnumerable<string> Flatten(object node) => node switch
    {
        Dictionary<object, object> map => map.SelectMany(kv => Flatten(kv.Value).Prepend((string)kv.Key)),
        List<object> list => list.SelectMany(Flatten),
        null => [],
        _ => [node.ToString()!],
    };

    /// <summary>Every document of a YAML stream, with anchors and merge keys (<c>&lt;&lt;: *anchor</c>) resolved.</summary>
    private static List<object> ReadYaml(string text)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new MergingParser(new Parser(new StringReader(text)));
        parser.Consume<StreamStart>();
        var documents = new List<object>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (deserializer.Deserialize(parser) is { } document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    [GeneratedRegex(@"^ENV\s+(.+)$", RegexOptions.Multiline)]
    private static partial Regex EnvLine();

    [GeneratedRegex(@"(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>\S+)")]
    private static partial Regex Assignment();
}
