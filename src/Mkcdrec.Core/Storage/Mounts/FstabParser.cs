using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Mounts;

/// <summary>/etc/fstab (fstab(5)); octal escapes decoded.</summary>
public static class FstabParser
{
    public static List<FstabEntry> Parse(string text)
    {
        var list = new List<FstabEntry>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 3)
            {
                continue;
            }

            list.Add(new FstabEntry
            {
                Spec = OctalEscapes.Decode(f[0]),
                Target = OctalEscapes.Decode(f[1]),
                Type = f[2],
                Options = f.Length > 3 ? f[3] : "defaults",
                Dump = f.Length > 4 && int.TryParse(f[4], out var d) ? d : 0,
                Pass = f.Length > 5 && int.TryParse(f[5], out var p) ? p : 0,
            });
        }

        return list;
    }
}
