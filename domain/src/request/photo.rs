//! Photos attached to a request (现场照片): accepted types are recognised by their magic bytes,
//! never by a declared name or content type, and are at most [`MAX_PHOTO_BYTES`].

/// Largest accepted photo: 5 MiB.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// Photos kept per request.
pub const MAX_PHOTOS_PER_REQUEST: usize = 9;

/// A recognised image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoType {
    Jpeg,
    Png,
    Webp,
}

impl PhotoType {
    /// The format announced by the first bytes, if it is one of JPEG, PNG or WebP.
    pub fn sniff(bytes: &[u8]) -> Option<PhotoType> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(PhotoType::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(PhotoType::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(PhotoType::Webp)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            PhotoType::Jpeg => "image/jpeg",
            PhotoType::Png => "image/png",
            PhotoType::Webp => "image/webp",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert_eq!(PhotoType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0]), Some(PhotoType::Jpeg));
        assert_eq!(PhotoType::sniff(b"\x89PNG\r\n\x1a\n...."), Some(PhotoType::Png));
        assert_eq!(PhotoType::sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(PhotoType::Webp));
        assert_eq!(PhotoType::sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(PhotoType::sniff(b"GIF89a"), None);
        assert_eq!(PhotoType::sniff(b"%PDF-1.7"), None);
        assert_eq!(PhotoType::sniff(&[]), None);
        assert_eq!(PhotoType::Webp.content_type(), "image/webp");
    }
}
