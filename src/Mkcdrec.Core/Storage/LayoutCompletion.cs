using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage;

/// <summary>A disk a technology added to the planned layout: a copy of <paramref name="CopyOf"/>'s partition table.</summary>
public sealed record AddedDisk(Disk Disk, Disk CopyOf);

/// <summary>
/// What the technologies may add to the layout before the disks are mapped (e.g. md: a copy of a surviving member's
/// disk for each member a degraded array lacks). They change a copy: the source layout (and its file) stays as it was.
/// An added disk is mapped after the source disks, on the smallest unused target that holds it, or left out.
/// </summary>
public sealed class LayoutCompletion(LayoutDocument source, PlanOptions options)
{
    private LayoutDocument? _copy;

    /// <summary>The layout as captured; not to be changed.</summary>
    public LayoutDocument Source { get; } = source;

    public PlanOptions Options { get; } = options;

    /// <summary>The layout to plan: the source until a technology asks for <see cref="Layout"/>, then its copy.</summary>
    public LayoutDocument Result => _copy ?? Source;

    /// <summary>The copy of the source to change (made on first use).</summary>
    public LayoutDocument Layout => _copy ??= LayoutSerializer.Deserialize(LayoutSerializer.Serialize(Source));

    /// <summary>The disks added so far, in the order they were added.</summary>
    public List<AddedDisk> AddedDisks { get; } = [];

    /// <summary>Adds a copy of <paramref name="original"/>'s partition table to <see cref="Layout"/> (see <see cref="DiskCopy"/>) and returns it.</summary>
    public Disk AddCopyOf(Disk original)
    {
        var copy = DiskCopy.Of(original, AddedDisks.Count(a => a.CopyOf.Id == original.Id) + 1);
        Layout.Disks.Add(copy);
        AddedDisks.Add(new AddedDisk(copy, original));
        return copy;
    }
}
