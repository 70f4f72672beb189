namespace Mkcdrec.Core.Storage.Filesystems;

/// <summary>/proc/swaps: the active swap devices and their priorities.</summary>
public static class ProcSwapsParser
{
    public static Dictionary<string, int> Parse(string text)
    {
        var d = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n').Skip(1))
        {
            var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 5 && int.TryParse(f[4], out var prio))
            {
                d[OctalEscapes.Decode(f[0])] = prio;
            }
        }

        return d;
    }
}
