namespace BatchFcn.Scanning;

/// <summary>Seconds one tile spent in each stage of the tile executor; a batch's inference is shared among its tiles.</summary>
/// <param name="Read">Decoding its pixels.</param>
/// <param name="Preprocess">Normalising them.</param>
/// <param name="Infer">Its share of the network's runs.</param>
/// <param name="Write">Scattering and writing its chunk.</param>
public readonly record struct TileStageTimes(double Read, double Preprocess, double Infer, double Write)
{
    public static TileStageTimes operator +(TileStageTimes a, TileStageTimes b) =>
        new(a.Read + b.Read, a.Preprocess + b.Preprocess, a.Infer + b.Infer, a.Write + b.Write);

    public TileStageTimes Add(TileStageTimes other) => this + other;
}
