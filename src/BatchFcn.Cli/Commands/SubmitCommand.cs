using System.CommandLine;
using BatchFcn.Distributed;
using BatchFcn.Scanning;
using BatchFcn.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BatchFcn.Cli.Commands;

/// <summary><c>batchfcn submit --image … --model …</c>: uploads local inputs once, submits one scan per image (a folder
/// or a list file of slides is a cohort), prints each scan id; <c>--wait</c> follows them to the end,
/// <c>--download</c> fetches their outputs.</summary>
internal static class SubmitCommand
{
    private static readonly string[] ImageExtensions = [".tif", ".tiff", ".svs", ".ndpi", ".mrxs", ".scn", ".vms", ".bif", ".jpg", ".jpeg", ".png"];

    public static Command Create(CliContext context)
    {
        var images = new Option<string[]>("--image")
        {
            Description = "Image(s) to scan: a path, an az:// address, a folder of slides or a .txt list of them (one per line); repeat for more",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var model = new Option<string>("--model") { Description = "Classifier or converted network: a path (uploaded once) or az:// address", Required = true };
        var scanId = new Option<string>("--scan-id") { Description = "Scan id (letters, digits, '-', '_', '.'; at most 64); several images get ID-1, ID-2, … (default: a new one)" };
        var output = new Option<string>("--out") { Description = "Output folder for a single scan (default: <results folder>/<scan id>)" };
        var wait = new Option<bool>("--wait") { Description = "Follow the scans until each completes or fails (exit 4 when any fails)" };
        var download = new Option<string>("--download") { Description = "With --wait: copy each scan's outputs into this folder (one sub-folder per scan when there are several)" };
        var rabbitmq = DistributedHost.RabbitMq();
        var scan = new ScanArguments(normalization: true, node: false);
        var command = new Command("submit", "Submit scans to the workers on RabbitMQ; prints each scan id");
        foreach (var option in new Option[] { images, model, scanId, output, wait, download, rabbitmq })
        {
            command.Options.Add(option);
        }

        scan.AddTo(command);
        command.SetAction((parse, token) => context.GuardAsync(async () =>
        {
            var slides = Expand(parse.GetValue(images)!);
            if (parse.GetValue(output) is not null && slides.Count > 1)
            {
                throw new ScanException($"--out names one scan's folder, but {slides.Count} images were given; leave it out (outputs go to <results folder>/<scan id>)");
            }

            if (parse.GetValue(download) is not null && !parse.GetValue(wait))
            {
                throw new ScanException("--download needs --wait (outputs exist only once a scan completes)");
            }

            using var host = await DistributedHost.StartAsync(context, parse.GetValue(rabbitmq), scan.Configuration(parse), worker: false, token).ConfigureAwait(false);
            var services = host.Services;
            var submitter = services.GetRequiredService<ScanSubmitter>();
            var time = services.GetRequiredService<TimeProvider>();
            string prefix = parse.GetValue(scanId) ?? ScanIds.New(time.GetUtcNow());
            var ids = slides.Count == 1 ? [prefix] : slides.Select((_, i) => $"{prefix}-{i + 1}").ToList();
            foreach (var id in ids)
            {
                if (ScanIds.Problem(id) is { } problem)
                {
                    throw new ScanException(problem);
                }
            }

            string modelAddress = await submitter.UploadAsync(parse.GetValue(model)!, token).ConfigureAwait(false);
            var scanOptions = services.GetRequiredService<IOptions<ScanOptions>>().Value;
            var outputOptions = services.GetRequiredService<IOptions<OutputOptions>>().Value;
            var submitted = new List<ScanRequested>();
            for (int i = 0; i < slides.Count; i++)
            {
                string image = await submitter.UploadAsync(slides[i], token).ConfigureAwait(false);
                var request = await submitter.SubmitAsync(new ScanRequested(ids[i], image, modelAddress, parse.GetValue(output) ?? string.Empty, scanOptions, outputOptions), token)
                    .ConfigureAwait(false);
                submitted.Add(request);
                context.Out.WriteLine(slides.Count == 1 ? request.ScanId : $"{request.ScanId}\t{slides[i]}");
            }

            if (!parse.GetValue(wait))
            {
                return 0;
            }

            var states = services.GetRequiredService<ScanStateStore>();
            var finals = await ScanWatcher.WaitAsync(context, states, [.. submitted.Select(r => r.ScanId)], time, token).ConfigureAwait(false);
            if (parse.GetValue(download) is { } folder)
            {
                var stores = services.GetRequiredService<BlobStoreResolver>();
                foreach (var state in finals.Where(s => s.Status == ScanStatus.Completed))
                {
                    string target = finals.Count == 1 ? folder : Path.Combine(folder, state.ScanId);
                    int files = await DownloadAsync(stores.ResolveFolder(state.Request.Output), target, token).ConfigureAwait(false);
                    context.Error.WriteLine($"{state.ScanId}: {files} file(s) downloaded into {target}");
                }
            }

            return finals.All(s => s.Status == ScanStatus.Completed) ? 0 : 4;
        }, "stopped waiting: the submitted scans go on in the workers; follow them with 'batchfcn status', stop them with 'batchfcn cancel'"));
        return command;
    }

    /// <summary>Folders become their slides (sorted), <c>.txt</c>/<c>.list</c> files the addresses they list.</summary>
    private static List<string> Expand(IEnumerable<string> given)
    {
        var slides = new List<string>();
        foreach (var item in given)
        {
            if (Directory.Exists(item))
            {
                var found = Directory.EnumerateFiles(item).Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0)
                {
                    throw new ScanException($"folder '{item}' holds no slides ({string.Join(", ", ImageExtensions)})");
                }

                slides.AddRange(found);
            }
            else if (Path.GetExtension(item) is ".txt" or ".list" && File.Exists(item))
            {
                slides.AddRange(File.ReadAllLines(item).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')));
            }
            else
            {
                slides.Add(item);
            }
        }

        return slides.Count > 0 ? slides : throw new ScanException("no images to scan");
    }

    private static async Task<int> DownloadAsync(IBlobStore output, string folder, CancellationToken token)
    {
        int files = 0;
        foreach (var prefix in new[] { ScanOutputs.Scores + "/", ScanOutputs.Heatmap, ScanOutputs.Summary, ScanOutputs.Npy })
        {
            await foreach (var key in output.ListAsync(prefix, token).ConfigureAwait(false))
            {
                if (!prefix.EndsWith('/') && key != prefix)
                {
                    continue;
                }

                string path = Path.Combine(folder, key.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllBytesAsync(path, await output.ReadAsync(key, token).ConfigureAwait(false), token).ConfigureAwait(false);
                files++;
            }
        }

        return files;
    }
}
