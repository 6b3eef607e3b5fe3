using HTagKube.Router.State;

namespace HTagKube.Router.Tests.State;

/// <summary>The contract in memory, plus expiry by the retention on a hand-moved clock.</summary>
public sealed class InMemoryStateStoreTests : StateStoreContract
{
    readonly ManualTime _time = new();
    InMemoryStateStore _memory = null!;

    protected override Task<IStateStore> CreateStoreAsync()
    {
        _memory = new InMemoryStateStore(_time, TimeSpan.FromMilliseconds(50));
        return Task.FromResult<IStateStore>(_memory);
    }

    [Fact]
    public async Task A_document_expires_after_its_retention_without_a_read()
    {
        var user = NewUserKey();
        await Store.PutAsync(user, Doc("{}"), TimeSpan.FromMinutes(10), default);
        _time.Advance(TimeSpan.FromMinutes(9));
        // The read itself refreshes: check on another user that only the retention counts.
        var other = NewUserKey();
        await Store.PutAsync(other, Doc("{}"), TimeSpan.FromMinutes(1), default);
        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.Null(await Store.GetAsync(user, TimeSpan.FromMinutes(10), default));
        Assert.Null(await Store.GetAsync(other, TimeSpan.FromMinutes(10), default));
    }

    [Fact]
    public async Task A_read_pushes_the_expiry_to_now_plus_the_retention()
    {
        var user = NewUserKey();
        await Store.PutAsync(user, Doc("{}"), TimeSpan.FromMinutes(10), default);
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(8));
            Assert.NotNull(await Store.GetAsync(user, TimeSpan.FromMinutes(10), default));
        }
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        Assert.Null(await Store.GetAsync(user, TimeSpan.FromMinutes(10), default));
    }

    [Fact]
    public async Task A_touch_pushes_the_expiry_like_a_read()
    {
        var user = NewUserKey();
        await Store.PutAsync(user, Doc("{}"), TimeSpan.FromMinutes(10), default);
        _time.Advance(TimeSpan.FromMinutes(8));
        await Store.TouchAsync(user, TimeSpan.FromMinutes(10), default);
        _time.Advance(TimeSpan.FromMinutes(8));
        Assert.NotNull(await Store.GetAsync(user, TimeSpan.FromMinutes(10), default));
    }

    [Fact]
    public async Task A_write_after_expiry_starts_a_fresh_retention_and_delete_of_an_expired_document_says_none()
    {
        var user = NewUserKey();
        await Store.PutAsync(user, Doc("""{"v":1}"""), TimeSpan.FromMinutes(1), default);
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.False(await Store.DeleteAsync(user, default));
        await Store.PutAsync(user, Doc("""{"v":2}"""), TimeSpan.FromMinutes(1), default);
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal("""{"v":2}""", Text(await Store.GetAsync(user, TimeSpan.FromMinutes(1), default)));
    }

    [Fact]
    public async Task The_sweep_frees_expired_documents_nobody_reads_again()
    {
        var (gone, kept) = (NewUserKey(), NewUserKey());
        await Store.PutAsync(gone, Doc("{}"), TimeSpan.FromMinutes(1), default);
        await Store.PutAsync(kept, Doc("{}"), TimeSpan.FromMinutes(5), default);
        Assert.Equal(2, _memory.Count);
        _time.Advance(TimeSpan.FromMinutes(2));
        await Eventually.True(() => _memory.Count == 1, TimeSpan.FromSeconds(10), "the expired document swept");
        Assert.NotNull(await Store.GetAsync(kept, TimeSpan.FromMinutes(5), default));
    }
}
