using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Md;

/// <summary>What an array's level and layout mean for its capacity and for the members it can lose.</summary>
internal static class MdGeometry
{
    /// <summary>Number of member devices whose capacity holds data (raid1: 1 — every member holds everything).</summary>
    public static int DataMembers(MdArray m)
    {
        var n = Math.Max(1, m.RaidDevices);
        return m.Level.ToLowerInvariant() switch
        {
            "raid0" or "linear" => n,
            "raid1" => 1,
            "raid4" or "raid5" => Math.Max(1, n - 1),
            "raid6" => Math.Max(1, n - 2),
            "raid10" => Math.Max(1, n / Math.Max(1, Copies(m.Layout))),
            _ => 1,
        };
    }

    /// <summary>How many members may be missing with the array still usable.</summary>
    public static int Redundancy(MdArray m) => m.Level.ToLowerInvariant() switch
    {
        "raid1" => Math.Max(0, m.RaidDevices - 1),
        "raid4" or "raid5" => 1,
        "raid6" => 2,
        "raid10" => Math.Max(0, Copies(m.Layout) - 1),
        _ => 0,
    };

    private static int Copies(string? layout)
    {
        // near=2, far=2, offset=2, n2…
        var digits = new string((layout ?? "").Where(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, out var c) && c > 0 ? c : 2;
    }

    /// <summary>What a raw member loses to the superblock, bitmap and data offset: original member size − its data share.</summary>
    public static long MemberOverhead(StorageGraph graph, MdArray m)
    {
        var members = ActiveMembers(m).Select(graph.OriginalSize).Where(s => s > 0).ToList();
        return members.Count == 0 ? 0 : Math.Max(0, members.Min() - m.SizeBytes / DataMembers(m));
    }

    public static IEnumerable<string> ActiveMembers(MdArray m) => m.Members.Where(x => !x.Spare).Select(x => x.DeviceId);
}
