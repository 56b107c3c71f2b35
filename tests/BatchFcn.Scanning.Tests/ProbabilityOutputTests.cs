using System.Text.Json;
using BatchFcn.Imaging;
using BatchFcn.Storage;
using BatchFcn.Testing;

namespace BatchFcn.Scanning.Tests;

/// <summary><c>--output probabilities</c>: the map holds the softmax of what the network outputs, says so in its
/// attributes, and the summary's statistics are the same as for the logits.</summary>
public sealed class ProbabilityOutputTests
{
    private static string Model => Path.Combine(TestPaths.RepositoryRoot, "models", "demo", "lesion_classifier.onnx");

    [Fact]
    public async Task Run_Probabilities_AreTheSoftmaxOfTheLogits_AndSumToOne()
    {
        using var dir = TestPaths.TempDirectory();
        var slide = SyntheticSlide.Create(dir.File("slide.tif"), 900, 700, seed: 13, lesions: 1);
        var options = new ScanOptions { TileSize = 300 };
        var logits = await Scans.RunAsync(Scans.Request(slide.Path, Model, dir.File("logits"), options));
        var probabilities = await Scans.RunAsync(Scans.Request(slide.Path, Model, dir.File("probabilities"), options, new OutputOptions { Values = "probabilities" }));

        var a = await ZarrScoreArray.OpenAsync(new LocalDirectoryStore(dir.File("logits")), ScanOutputs.Scores);
        var b = await ZarrScoreArray.OpenAsync(new LocalDirectoryStore(dir.File("probabilities")), ScanOutputs.Scores);
        int classes = (int)a.Classes, checkedCells = 0;
        Assert.True(classes > 1);
        for (int band = 0; band < a.ChunkGridRows; band++)
        {
            var x = await a.ReadChunkRowAsync(band);
            var p = await b.ReadChunkRowAsync(band);
            int plane = x.Length / classes;
            for (int c = 0; c < plane; c++)
            {
                if (float.IsNaN(x[c]))
                {
                    Assert.True(float.IsNaN(p[c]), "a skipped cell stays NaN");
                    continue;
                }

                var cell = Enumerable.Range(0, classes).Select(k => x[(k * plane) + c]).ToArray();
                ScoreActivation.ToProbabilities("none", cell);
                double sum = 0;
                for (int k = 0; k < classes; k++)
                {
                    Assert.Equal(cell[k], p[(k * plane) + c], 6);
                    sum += p[(k * plane) + c];
                }

                Assert.Equal(1.0, sum, 5);
                checkedCells++;
            }
        }

        Assert.Equal(logits.Map.ComputedCells, checkedCells);
        Assert.Equal("probabilities", probabilities.Outputs.Values); // summary.json says what the map holds
        Assert.Equal("network", logits.Outputs.Values);
        Assert.Equal(logits.Classes.Select(s => s.MeanProbability), probabilities.Classes.Select(s => s.MeanProbability), (u, v) => Math.Abs(u - v) < 1e-6);

        using var attributes = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.File("probabilities"), ScanOutputs.Scores, ".zattrs")));
        Assert.Equal("probabilities", attributes.RootElement.GetProperty("batchfcn").GetProperty("values").GetString());
        using var plain = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.File("logits"), ScanOutputs.Scores, ".zattrs")));
        Assert.Equal("network_output", plain.RootElement.GetProperty("batchfcn").GetProperty("values").GetString());
    }
}
