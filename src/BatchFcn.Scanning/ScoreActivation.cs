namespace BatchFcn.Scanning;

/// <summary>Turns one cell's class scores into probabilities according to the model's output activation.</summary>
public static class ScoreActivation
{
    public static void ToProbabilities(string activation, Span<float> scores)
    {
        switch (activation)
        {
            case "softmax":
                return;
            case "log_softmax":
                foreach (ref var s in scores)
                {
                    s = MathF.Exp(s);
                }

                return;
            default:
                if (scores.Length == 1)
                {
                    scores[0] = 1f / (1f + MathF.Exp(-scores[0]));
                    return;
                }

                float max = float.NegativeInfinity;
                foreach (var s in scores)
                {
                    max = MathF.Max(max, s);
                }

                float sum = 0;
                foreach (ref var s in scores)
                {
                    s = MathF.Exp(s - max);
                    sum += s;
                }

                foreach (ref var s in scores)
                {
                    s /= sum;
                }

                return;
        }
    }
}
