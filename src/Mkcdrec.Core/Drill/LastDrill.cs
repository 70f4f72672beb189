using System.Text.Json;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Drill;

/// <summary>
/// The last drill's report, kept by `mkcdrec drill` (written atomically: a crash leaves the previous one) for
/// `mkcdrec report`, which prints its result and the timeline of its phases on the binder page.
/// </summary>
public static class LastDrill
{
    public const string DefaultPath = "/var/lib/mkcdrec/last-drill.json";

    /// <summary>Writes <paramref name="report"/> to <paramref name="path"/>, creating its directory.</summary>
    public static void Save(DrillReport report, string path = DefaultPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.WriteAllText(path, report.ToJson() + "\n");
    }

    /// <summary>The report kept at <paramref name="path"/>; null when no drill has saved one there.</summary>
    public static DrillReport? Load(string path = DefaultPath)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), DrillJsonContext.Default.DrillReport)
                ?? throw new JsonException("the file holds null");
        }
        catch (JsonException e)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"The drill report {path} is not readable: {e.Message}",
                "Run 'mkcdrec drill' again to write a new one, or delete the file.", e);
        }
    }
}
