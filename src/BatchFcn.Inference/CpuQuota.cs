namespace BatchFcn.Inference;

/// <summary>The CPUs this process may use: the container's cgroup CPU limit when there is one (Kubernetes
/// <c>resources.limits.cpu</c>), else the processor count. ONNX Runtime's default (all physical cores)
/// oversubscribes a CPU-limited pod.</summary>
public static class CpuQuota
{
    public static int Available()
    {
        int count = Environment.ProcessorCount;
        try
        {
            // cgroup v2: "max 100000" or "<quota> <period>".
            const string path = "/sys/fs/cgroup/cpu.max";
            if (File.Exists(path))
            {
                var parts = File.ReadAllText(path).Trim().Split(' ');
                if (parts.Length == 2 && long.TryParse(parts[0], out long quota) && long.TryParse(parts[1], out long period) && period > 0)
                {
                    return (int)Math.Clamp((quota + period - 1) / period, 1, count);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return count;
    }
}
