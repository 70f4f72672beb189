using System.Globalization;
using System.Security.Cryptography;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage;

/// <summary>
/// `recover --new-identifiers`: each technology gives the devices it makes fresh identifiers in the planning copy of the
/// layout (<see cref="IStorageTechnology.RenewIdentifiers"/>) and records each here; the source layout keeps the old
/// ones, so finalize reads the differences back from the devices and rewrites the restored system's references.
/// </summary>
public sealed class IdentifierRenewal(LayoutDocument layout)
{
    private readonly List<NewIdentifier> _renewed = [];

    /// <summary>The copy of the layout the plan is made from (not the source layout).</summary>
    public LayoutDocument Layout { get; } = layout;

    /// <summary>What was renewed, in order.</summary>
    public IReadOnlyList<NewIdentifier> Renewed => _renewed;

    /// <summary>Records one renewed identifier; returns <paramref name="value"/>.</summary>
    public string Record(string kind, string layoutId, string old, string value)
    {
        _renewed.Add(new NewIdentifier { Kind = kind, LayoutId = layoutId, Old = old, New = value });
        return value;
    }

    /// <summary>A random (version 4) UUID, lower case with dashes: what mkfs, cryptsetup and blkid print.</summary>
    public static string NewUuid() => Guid.NewGuid().ToString();

    /// <summary>A non-zero 32-bit value as 8 lower-case hex digits (an MBR disk signature, a FAT volume serial).</summary>
    public static string NewHex32()
    {
        uint v;
        do
        {
            v = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));
        }
        while (v == 0);

        return v.ToString("x8", CultureInfo.InvariantCulture);
    }

    /// <summary>A UUID in the spelling of <paramref name="like"/>: FAT's "ABCD-1234", mdadm's colon groups, or a dashed UUID.</summary>
    public static string NewUuidLike(string like)
    {
        if (like.Length == 9 && like[4] == '-')
        {
            var hex = NewHex32().ToUpperInvariant();
            return hex[..4] + "-" + hex[4..];
        }

        var plain = Guid.NewGuid().ToString("N");
        return like.Contains(':', StringComparison.Ordinal)
            ? string.Join(':', Enumerable.Range(0, 4).Select(i => plain.Substring(i * 8, 8)))
            : Guid.ParseExact(plain, "N").ToString();
    }

    /// <summary>An LVM id: 32 characters of [A-Za-z0-9] in groups of 6-4-4-4-4-4-6, as pvcreate --uuid takes it.</summary>
    public static string NewLvmId()
    {
        const string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        var c = RandomNumberGenerator.GetItems<char>(chars, 32);
        var s = new string(c);
        return string.Join('-', s[..6], s[6..10], s[10..14], s[14..18], s[18..22], s[22..26], s[26..]);
    }
}
