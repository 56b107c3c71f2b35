using System.Diagnostics;
using BatchFcn.Imaging;
using BatchFcn.Scanning;
using BatchFcn.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace BatchFcn.Distributed.Tests;

/// <summary>One trace follows a distributed scan: from the submission through MassTransit's send and consume spans to
/// the plan, every tile (under the consume span of the job that carried it), each tile's record and the finalize.</summary>
[RequiresAzurite]
[RequiresRabbitMq]
[Collection(BrokerCollection.Name)]
public sealed class ScanTracingTests
{
    private static readonly ActivitySource Test = new("BatchFcn.Tests");

    [ServiceFact]
    public async Task Submit_InProcessWorker_OneTraceFromSendThroughEveryTileToFinalize()
    {
        await using var broker = await TestBroker.CreateAsync();
        var env = DistributedScanTests.Environment(broker);
        using var dir = TestPaths.TempDirectory();
        string slide = SyntheticSlide.Create(dir.File("slide.tif"), 1000, 800, seed: 4, lesions: 1).Path;
        var spans = new List<Activity>();
        using var tracer = Sdk.CreateTracerProviderBuilder().AddSource(ScanTelemetry.Name, "MassTransit", Test.Name).AddInMemoryExporter(spans).Build();

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(WorkerEnvironment.WithStorage(env));
        builder.Services.AddBatchFcnDistributed(builder.Configuration, RabbitMqAddress.Parse(env["BATCHFCN_RABBITMQ"]), worker: true);
        using var host = builder.Build();
        await host.StartAsync();
        ActivityTraceId trace;
        var submitter = host.Services.GetRequiredService<ScanSubmitter>();
        string model = await submitter.UploadAsync(Path.Combine(TestPaths.RepositoryRoot, "models", "demo", "lesion_classifier.onnx"), default);
        string image = await submitter.UploadAsync(slide, default);
        using (var submit = Test.StartActivity("submit"))
        {
            trace = submit!.TraceId;
            await submitter.SubmitAsync(new ScanRequested("traced", image, model, string.Empty, new ScanOptions { TileSize = 300 }, new OutputOptions()), default);
        }

        var states = host.Services.GetRequiredService<ScanStateStore>();
        var deadline = DateTime.UtcNow.AddMinutes(4);
        ScanState? state;
        while ((state = await states.GetAsync("traced", default)) is not { IsFinal: true } && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        await host.StopAsync();
        tracer!.ForceFlush();
        Assert.Equal(ScanStatus.Completed, state?.Status);

        var tiles = spans.Where(s => s.OperationName == "tile" && (string?)s.GetTagItem("batchfcn.scan.id") == "traced").ToList();
        Assert.Equal(state!.TotalTiles, tiles.Count);
        var byId = spans.ToDictionary(s => s.SpanId);
        foreach (var tile in tiles)
        {
            Assert.Equal(trace, tile.TraceId);
            var consume = byId[tile.ParentSpanId];
            Assert.Equal("MassTransit", consume.Source.Name);
            Assert.Equal(ActivityKind.Consumer, consume.Kind);
            Assert.Equal(4, spans.Count(s => s.ParentSpanId == tile.SpanId)); // read, preprocess, infer, write
        }

        Assert.Contains(spans, s => s.OperationName == ScanStages.Plan && s.TraceId == trace);
        Assert.Contains(spans, s => s.OperationName == ScanStages.Finalize && s.TraceId == trace);
        Assert.True(spans.Count(s => s.OperationName == ScanStages.Complete && s.TraceId == trace) >= tiles.Count);
    }
}
