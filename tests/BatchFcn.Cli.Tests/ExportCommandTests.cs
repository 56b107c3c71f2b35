using System.Globalization;
using System.Text.Json;
using BatchFcn.Testing;
using NetTopologySuite.Features;
using NetTopologySuite.IO.Converters;

using static BatchFcn.Cli.Tests.CliRunner;

namespace BatchFcn.Cli.Tests;

/// <summary><c>batchfcn export</c>: the cells and the tissue mask of a finished scan as a GeoJSON reader (NetTopologySuite,
/// as GIS tools use) and a CSV reader see them.</summary>
public sealed class ExportCommandTests
{
    private static Lazy<(TempDirectory Dir, string Scan, string Labels)> Scanned => LabelledScan.Shared;

    [Fact]
    public void Export_GeoJson_OneValidSquarePerComputedCell_WithClassProbabilities()
    {
        var (_, scan, _) = Scanned.Value;
        var export = Run("export", scan, "--format", "geojson");
        Assert.True(export.Code == 0, export.Err);
        Assert.Contains("cells.geojson", export.Out, StringComparison.Ordinal);

        var options = new JsonSerializerOptions();
        options.Converters.Add(new GeoJsonConverterFactory());
        var cells = JsonSerializer.Deserialize<FeatureCollection>(File.ReadAllText(Path.Combine(scan, "cells.geojson")), options)!;
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(scan, "summary.json")));
        var map = summary.RootElement.GetProperty("map");
        Assert.Equal(map.GetProperty("computedCells").GetInt64(), cells.Count);
        int stride = summary.RootElement.GetProperty("geometry").GetProperty("outputStrideX").GetInt32();
        foreach (var feature in cells.Take(500))
        {
            Assert.Equal("Polygon", feature.Geometry.GeometryType);
            Assert.True(feature.Geometry.IsValid);
            Assert.InRange(feature.Geometry.Area, 1, stride * stride); // a stride square, smaller only where the image ends
            Assert.Equal("detection", feature.Attributes["objectType"]);
            var measurements = (IAttributesTable)feature.Attributes["measurements"];
            Assert.Equal(["background", "tissue", "lesion"], measurements.GetNames());
            double sum = measurements.GetNames().Sum(n => Convert.ToDouble(measurements[n], CultureInfo.InvariantCulture));
            Assert.Equal(1.0, sum, 4); // probabilities of a softmax, whatever the map stores
        }

        // The cells tile the computed area: no two squares overlap (their total area equals their union's).
        var sample = cells.Take(400).Select(f => f.Geometry).ToList();
        var union = NetTopologySuite.Operation.Union.CascadedPolygonUnion.Union(sample);
        Assert.Equal(sample.Sum(g => g.Area), union.Area, 1e-6 * union.Area);

        var tissue = JsonSerializer.Deserialize<FeatureCollection>(File.ReadAllText(Path.Combine(scan, "tissue.geojson")), options)!;
        Assert.NotEmpty(tissue);
        Assert.All(tissue, f => Assert.True(f.Geometry.IsValid && f.Geometry.GeometryType == "Polygon"));
        Assert.All(tissue, f => Assert.Equal("annotation", f.Attributes["objectType"]));
        var pieces = tissue.Select(f => f.Geometry).ToList();
        var whole = NetTopologySuite.Operation.Union.CascadedPolygonUnion.Union(pieces);
        Assert.Equal(pieces.Sum(g => g.Area), whole.Area, 1e-6 * whole.Area); // the pieces do not overlap
        Assert.True(whole.Area > 0 && whole.Area < 1200 * 900, $"tissue area {whole.Area}");
        Assert.True(whole.EnvelopeInternal.MaxX <= 1200.5 && whole.EnvelopeInternal.MaxY <= 900.5, "level-0 coordinates");
        Assert.True(File.ReadAllBytes(Path.Combine(scan, "tissue.png")).AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }));
    }

    [Fact]
    public void Export_Csv_OneRowPerComputedCell_NamedColumns()
    {
        var (_, scan, _) = Scanned.Value;
        var export = Run("export", scan, "--format", "csv");
        Assert.True(export.Code == 0, export.Err);
        var lines = File.ReadAllLines(Path.Combine(scan, "cells.csv"));
        Assert.Equal("row,col,x,y,width,height,top_class,background,tissue,lesion", lines[0]);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(scan, "summary.json")));
        Assert.Equal(summary.RootElement.GetProperty("map").GetProperty("computedCells").GetInt64(), lines.Length - 1);
        var first = lines[1].Split(',');
        Assert.Equal(10, first.Length);
        Assert.Contains(first[6], new[] { "background", "tissue", "lesion" });
    }

    [Fact]
    public void Export_FolderWithoutAScan_IsRefusedClearly()
    {
        using var dir = TestPaths.TempDirectory();
        var export = Run("export", dir.Path);
        Assert.Equal(CliApp.UserError, export.Code);
        Assert.Contains("holds no finished scan", export.Err, StringComparison.Ordinal);
    }
}
