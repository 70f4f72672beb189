using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Storage.Luks;

/// <summary>LUKS1/2 encryption (cryptsetup), with the original UUID, cipher and keyslot cost; other device-mapper targets are recorded as not recreated.</summary>
public sealed partial class LuksTechnology : IStorageTechnology
{
    public string Name => "luks";
}
