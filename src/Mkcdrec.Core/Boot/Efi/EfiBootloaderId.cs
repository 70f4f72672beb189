using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Boot.Efi;

public sealed partial class EfiTechnology
{
    /// <summary>The EFI bootloader id (\EFI\&lt;id&gt;\...) of the captured boot entries: the first of the boot order that is not the removable path.</summary>
    public static string EfiBootloaderId(LayoutDocument layout)
    {
        var entries = layout.Boot.EfiBootEntries;
        var ordered = layout.Boot.EfiBootOrder.Select(n => entries.FirstOrDefault(e => e.Number == n)).OfType<EfiBootEntry>().Concat(entries);
        foreach (var e in ordered)
        {
            var loader = e.Loader?.Replace('/', '\\');
            if (loader is null)
            {
                continue;
            }

            var i = loader.IndexOf("\\EFI\\", StringComparison.OrdinalIgnoreCase);
            if (i < 0)
            {
                continue;
            }

            var rest = loader[(i + 5)..];
            var j = rest.IndexOf('\\', StringComparison.Ordinal);
            var id = j < 0 ? rest : rest[..j];
            if (id.Length > 0 && !id.Equals("BOOT", StringComparison.OrdinalIgnoreCase))
            {
                return id;
            }
        }

        return layout.Host.OsId is { Length: > 0 } os ? os : "grub";
    }
}
