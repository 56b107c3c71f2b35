namespace BatchFcn.Scanning;

/// <summary>Why the automatic tile size and cut are what they are: the predicted seconds of the runs, from this node's
/// measured costs (<see cref="TileCalibrator"/>).</summary>
/// <param name="Backend">The backend the costs were measured on.</param>
/// <param name="Threads">Its inference threads.</param>
/// <param name="WholeSeconds">Predicted seconds of the whole network's runs at its best tile (reading included).</param>
/// <param name="WholeTile">That tile's side in pixels (interior, without halo).</param>
/// <param name="Cut">The cut weighed against it, if any.</param>
/// <param name="CutSeconds">Predicted seconds of the cut network's runs.</param>
/// <param name="TrunkTile">The trunk's tile side for that cut.</param>
/// <param name="CalibrationSeconds">Seconds the measuring took (0 when it was cached).</param>
public sealed record TileChoice(string Backend, int Threads, double WholeSeconds, long WholeTile, string? Cut, double? CutSeconds, int? TrunkTile,
    double CalibrationSeconds);
