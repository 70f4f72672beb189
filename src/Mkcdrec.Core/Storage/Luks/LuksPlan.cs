using System.Globalization;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Luks;

public sealed partial class LuksTechnology
{
    public void PrepareDevices(PlanContext context)
    {
        foreach (var luks in context.Layout.Luks)
        {
            context.Paths[luks.Id] = "/dev/mapper/" + MappingName(luks);
        }
    }

    public void AddSteps(PlanContext context)
    {
        foreach (var luks in context.Layout.Luks)
        {
            AddContainer(context, luks);
        }
    }

    private static string MappingName(LuksDevice luks) => luks.MappedName ?? luks.Crypttab?.Name ?? "luks-" + luks.Uuid;

    private static void AddContainer(PlanContext context, LuksDevice luks)
    {
        if (!context.IsPresent(luks.DeviceId))
        {
            return;
        }

        var device = context.Paths[luks.DeviceId];
        var key = PlanPlaceholders.KeyFile(luks.Id);
        var wasOn = context.Layout.DescribeDevice(luks.DeviceId) ?? luks.DeviceId;
        context.Plan.Placeholders.Add(new PlanPlaceholder
        {
            Token = key,
            Meaning = $"a file holding the key for LUKS {luks.Uuid} (was on {wasOn}): --key-file, the keys medium (luks/{luks.Uuid}.key or .passphrase), or prompted for",
            LuksUuid = luks.Uuid,
            WasOn = wasOn,
        });
        if (context.Options.LuksHeaders.Contains(luks.Uuid))
        {
            AddHeaderRestore(context, luks, device, wasOn);
        }
        else
        {
            var uuid = PlannedUuid(context, luks);
            var format = FormatArguments(luks, uuid);
            format.AddRange(["--key-file", key, device]);
            var which = uuid == luks.Uuid ? "the original UUID and cipher" : $"a new UUID {uuid} and the original cipher";
            context.AddStep(StepKinds.LuksFormat, luks.Id, $"Format LUKS{luks.Version} on {device} with {which} (passphrase: {key})", true,
                [device], [luks.DeviceId], ["luks-header:" + luks.Id], format);
        }

        // Behind a kept header (the same volume key) the old plaintext is back, e.g. a PV pvcreate would refuse: cleared.
        var mapping = context.Paths[luks.Id];
        context.AddStep(StepKinds.LuksOpen, luks.Id, $"Open {device} as {mapping}, then clear old signatures in it", true, [device, mapping], ["luks-header:" + luks.Id], [luks.Id],
            ["cryptsetup", "open", device, MappingName(luks), "--key-file", key], ["wipefs", "--all", "--force", mapping]);
    }

    /// <summary>The header the encrypted backup kept, written back: the same UUID, volume key, every keyslot and token.</summary>
    private static void AddHeaderRestore(PlanContext context, LuksDevice luks, string device, string wasOn)
    {
        var header = PlanPlaceholders.HeaderFile(luks.Id);
        context.Plan.Placeholders.Add(new PlanPlaceholder
        {
            Token = header,
            Meaning = $"the header of LUKS {luks.Uuid} (was on {wasOn}) as the encrypted backup kept it, extracted at recovery",
            LuksUuid = luks.Uuid,
            WasOn = wasOn,
        });
        var uuid = PlannedUuid(context, luks);
        List<IEnumerable<string>> commands = [["cryptsetup", "luksHeaderRestore", "--batch-mode", device, "--header-backup-file", header]];
        if (uuid != luks.Uuid)
        {
            // The same keyslots and volume key; only the UUID the system finds it by is new (a clone beside its original).
            commands.Add(["cryptsetup", "luksUUID", "--batch-mode", "--uuid", uuid, device]);
        }

        context.AddStep(StepKinds.LuksHeaderRestore, luks.Id, $"Write the original LUKS{luks.Version} header (every keyslot) of {luks.Uuid} to {device}"
            + (uuid != luks.Uuid ? $", then give it the new UUID {uuid}" : ""), true,
            [device], [luks.DeviceId], ["luks-header:" + luks.Id], [.. commands]);
    }

    /// <summary>luksFormat with the original version, UUID, label, cipher, key size, hash, PBKDF cost and sector size.</summary>
    private static List<string> FormatArguments(LuksDevice luks, string uuid)
    {
        var inv = CultureInfo.InvariantCulture;
        var luks2 = luks.Version != 1;
        var args = new List<string> { "cryptsetup", "luksFormat", "--batch-mode", "--type", luks2 ? "luks2" : "luks1", "--uuid", uuid };
        if (luks.Label is { Length: > 0 } && luks2)
        {
            args.AddRange(["--label", luks.Label]);
        }

        if (luks.Cipher.Length > 0)
        {
            args.AddRange(["--cipher", luks.Cipher]);
        }

        if (luks.KeySizeBits > 0)
        {
            args.AddRange(["--key-size", luks.KeySizeBits.ToString(inv)]);
        }

        if (luks.Hash is { Length: > 0 })
        {
            args.AddRange(["--hash", luks.Hash]);
        }

        if (luks.Pbkdf is { Length: > 0 } && luks2)
        {
            args.AddRange(KeyslotCostArguments(luks, luks.Pbkdf));
        }

        if (luks.SectorSize is { } sectorSize && sectorSize > 0 && luks2)
        {
            args.AddRange(["--sector-size", sectorSize.ToString(inv)]);
        }

        return args;
    }

    /// <summary>The original keyslot's cost: as strong as before, and no benchmark (which on a slow rescue machine would pick other values).</summary>
    private static List<string> KeyslotCostArguments(LuksDevice luks, string pbkdf)
    {
        var inv = CultureInfo.InvariantCulture;
        var args = new List<string> { "--pbkdf", pbkdf };
        if (luks.PbkdfIterations is { } iterations && iterations > 0)
        {
            args.AddRange(["--pbkdf-force-iterations", iterations.ToString(inv)]);
        }

        var argon = pbkdf.StartsWith("argon2", StringComparison.Ordinal);
        if (argon && luks.PbkdfMemoryKiB is { } memory && memory > 0)
        {
            args.AddRange(["--pbkdf-memory", memory.ToString(inv)]);
        }

        if (argon && luks.PbkdfParallel is { } parallel && parallel > 0)
        {
            args.AddRange(["--pbkdf-parallel", parallel.ToString(inv)]);
        }

        return args;
    }
}
