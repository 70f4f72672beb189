using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Recovery;

/// <summary>What a recovery said, time-stamped, and written with the run's full log into the recovered system.</summary>
public sealed class RecoveryReport(ILog log, Action<string>? show)
{
    private readonly List<string> _lines = [];

    /// <summary>Logs, keeps and shows one line.</summary>
    public void Say(string line)
    {
        _lines.Add($"{DateTimeOffset.UtcNow:HH:mm:ss} {line}");
        log.Info(line);
        show?.Invoke(line);
    }

    /// <returns>The report's path inside the recovered system, or null when it could not be written (logged).</returns>
    public string? WriteInto(string root, string? logFile)
    {
        try
        {
            var dir = Path.Combine(root, "var/log/mkcdrec");
            Directory.CreateDirectory(dir);
            var name = $"recover-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}.log";
            using (var w = new StreamWriter(Path.Combine(dir, name)))
            {
                w.WriteLine("# mkcdrec recovery report");
                foreach (var l in _lines)
                {
                    w.WriteLine(l);
                }

                if (logFile is not null && File.Exists(logFile))
                {
                    w.WriteLine();
                    w.WriteLine("# full log of the run (" + logFile + ")");
                    w.Flush();
                    using var src = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    src.CopyTo(w.BaseStream);
                }
            }

            return "/var/log/mkcdrec/" + name;
        }
        catch (IOException e)
        {
            log.Warn($"could not write the recovery log into {root}: {e.Message}");
            return null;
        }
    }
}
