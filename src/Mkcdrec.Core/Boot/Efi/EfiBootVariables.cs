using System.Buffers.Binary;
using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Boot.Efi;

/// <summary>
/// The firmware's boot entries as efivarfs shows them (no efibootmgr needed): the recovery checks that grub-install
/// created its entry; the drill's first-boot check reports which entry the firmware started (BootCurrent), so a UEFI
/// drill shows whether the entry the recovery created booted or the firmware fell back to the removable path (an entry
/// it made itself, e.g. "UEFI Misc Device").
/// </summary>
public static class EfiBootVariables
{
    /// <summary>EFI_GLOBAL_VARIABLE, the vendor GUID of BootCurrent, BootOrder and Boot####.</summary>
    public const string GlobalGuid = "8be4df61-93ca-11d2-aa0d-00e098032b8c";

    public const string EfiVarsDirectory = "/sys/firmware/efi/efivars";

    /// <summary>"Boot0004 debian"; just "Boot0004" when the entry is unreadable; null without EFI variables.</summary>
    public static string? Current(ISystemFiles files, string efivars = EfiVarsDirectory)
    {
        var current = Read(files, $"{efivars}/BootCurrent-{GlobalGuid}");
        if (current is null || current.Length < 6)
        {
            return null;
        }

        var name = BootEntryName(current);
        var option = Read(files, $"{efivars}/{name}-{GlobalGuid}");
        var description = option is null || option.Length < 4 ? null : Description(option.AsSpan(4));
        return string.IsNullOrEmpty(description) ? name : name + " " + description;
    }

    /// <summary>Every Boot#### entry: its name and description, in name order.</summary>
    public static IReadOnlyList<(string Name, string Description)> Entries(ISystemFiles files, string efivars = EfiVarsDirectory)
    {
        var suffix = "-" + GlobalGuid;
        var result = new List<(string, string)>();
        foreach (var f in files.ListDirectory(efivars).Order(StringComparer.Ordinal))
        {
            if (f.Length == 8 + suffix.Length && f.StartsWith("Boot", StringComparison.Ordinal) && f.EndsWith(suffix, StringComparison.Ordinal)
                && f[4..8].All(char.IsAsciiHexDigitUpper))
            {
                var option = Read(files, $"{efivars}/{f}");
                result.Add((f[..8], option is null || option.Length < 4 ? "" : Description(option.AsSpan(4))));
            }
        }

        return result;
    }

    /// <summary>
    /// Whether the firmware enforces Secure Boot: the SecureBoot variable (4 bytes of attributes, then one byte, 1 = on),
    /// as <c>mokutil --sb-state</c> reads it; null when the variable is missing (BIOS, or firmware without Secure Boot).
    /// </summary>
    public static bool? SecureBoot(ISystemFiles files, string efivars = EfiVarsDirectory) =>
        Read(files, $"{efivars}/SecureBoot-{GlobalGuid}") is { Length: >= 5 } v ? v[4] == 1 : null;

    /// <summary>The entry named by an efivarfs BootCurrent file: 4 bytes of attributes, then a little-endian UINT16.</summary>
    public static string BootEntryName(ReadOnlySpan<byte> bootCurrentFile) =>
        $"Boot{BinaryPrimitives.ReadUInt16LittleEndian(bootCurrentFile[4..]):X4}";

    /// <summary>The description of an EFI_LOAD_OPTION (UINT32 Attributes, UINT16 FilePathListLength, then a
    /// NUL-terminated UCS-2 description); "" when it is cut short.</summary>
    public static string Description(ReadOnlySpan<byte> loadOption)
    {
        const int DescriptionOffset = 6;
        if (loadOption.Length < DescriptionOffset + 2)
        {
            return "";
        }

        var text = loadOption[DescriptionOffset..];
        var end = 0;
        while (end + 1 < text.Length && (text[end] != 0 || text[end + 1] != 0))
        {
            end += 2;
        }

        return Encoding.Unicode.GetString(text[..end]).Trim();
    }

    /// <summary>A whole small file (an EFI variable, a certificate), or null when it is missing or unreadable.</summary>
    internal static byte[]? Read(ISystemFiles files, string path)
    {
        if (!files.FileExists(path))
        {
            return null;
        }

        try
        {
            using var s = files.OpenRead(path);
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            return ms.ToArray();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
