namespace BatchFcn.Contracts;

/// <summary>How the background is told apart from the foreground.</summary>
public enum TissueMode
{
    /// <summary>Saturation above <see cref="ScanOptions.TissueThreshold"/>.</summary>
    Saturation,

    /// <summary>Saturation above a threshold chosen by Otsu's method.</summary>
    Otsu,

    /// <summary>Compute every tile.</summary>
    Off,
}
