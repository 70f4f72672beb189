namespace Mkcdrec.Core.Storage.Md;

public sealed partial class MdTechnology
{
    public static readonly RescueComponent MdComponent = new("md", "software RAID")
    {
        Programs = [new RescueProgram("mdadm", "mdadm")],
        Modules = ["md_mod", "raid0", "raid1", "raid10", "raid456", "linear"],
        BootModules = ["md_mod"],
        RequiredWhen = n => n.Layout is { MdArrays.Count: > 0 },
    };

    /// <summary>mdadm and the RAID personalities in the rescue system.</summary>
    public IReadOnlyList<RescueComponent> RescueComponents { get; } = [MdComponent];
}
