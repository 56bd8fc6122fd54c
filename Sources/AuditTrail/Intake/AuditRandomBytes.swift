import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Random bits for ids without a system call per event: 4 KiB from the kernel's CSPRNG
/// (`/dev/urandom`) at a time, handed out under a lock.
enum AuditRandomBytes {
    /// Fills `buffer` from the operating system's CSPRNG.
    static func fillRandom(_ buffer: UnsafeMutableRawBufferPointer) {
        #if canImport(Glibc) || canImport(Musl)
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            defer { close(fd) }
            var filled = 0
            while filled < buffer.count {
                let n = read(fd, buffer.baseAddress! + filled, buffer.count - filled)
                if n > 0 { filled += n } else if n < 0, errno == EINTR { continue } else { break }
            }
            if filled == buffer.count { return }
        }
        #elseif canImport(Darwin)
        arc4random_buf(buffer.baseAddress!, buffer.count)
        return
        #endif
        var generator = SystemRandomNumberGenerator()
        for index in 0..<buffer.count { buffer[index] = generator.next() }
    }

    private static let pool = Mutex<(words: [UInt64], next: Int)>(([], 0))

    static func next() -> (UInt64, UInt64) {
        pool.withLock { pool in
            if pool.next + 2 > pool.words.count {
                pool.words = [UInt64](repeating: 0, count: 512)
                pool.words.withUnsafeMutableBytes { fillRandom($0) }
                pool.next = 0
            }
            defer { pool.next += 2 }
            return (pool.words[pool.next], pool.words[pool.next + 1])
        }
    }
}
