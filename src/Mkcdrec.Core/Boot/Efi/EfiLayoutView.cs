using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Boot.Efi;

public sealed partial class EfiTechnology
{
    /// <summary>The EFI system partition's filesystem.</summary>
    public void AddLayoutFacts(LayoutFacts facts, LayoutDocument layout) => facts.Add("boot esp", layout.Boot.EspFilesystemId);
}
