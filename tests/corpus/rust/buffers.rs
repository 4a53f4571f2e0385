//! Image tile buffers: allocation, resampling and a histogram.

pub struct Tile {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl Tile {
    pub fn blank(width: usize, height: usize) -> Tile {
        let mut pixels = Vec::with_capacity(width * height); // expect: rust/slow-vector-initialization
        pixels.resize(width * height, 0);
        Tile { width, height, pixels }
    }

    pub fn filled(width: usize, height: usize, value: u8) -> Tile {
        let mut pixels = Vec::with_capacity(width * height);
        pixels.resize(width * height, value);
        Tile { width, height, pixels }
    }

    pub fn row(&self, y: usize) -> &[u8] {
        &self.pixels[y * self.width..(y + 1) * self.width]
    }

    pub fn downsample(&self) -> Tile {
        let (w, h) = (self.width / 2, self.height / 2);
        let mut out = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let a = self.pixels[2 * y * self.width + 2 * x] as u16;
                let b = self.pixels[(2 * y + 1) * self.width + 2 * x + 1] as u16;
                out.push(((a + b) / 2) as u8);
            }
        }
        Tile { width: w, height: h, pixels: out }
    }

    pub fn row_sums(&self) -> Vec<u64> {
        let mut sums = Vec::new();
        for y in 0..self.height { // expect: rust/push-without-capacity
            sums.push(self.row(y).iter().map(|&p| p as u64).sum());
        }
        sums
    }

    pub fn bright_rows(&self, threshold: u8) -> Vec<usize> {
        let mut rows = Vec::new();
        for y in 0..self.height {
            if self.row(y).iter().all(|&p| p < threshold) {
                continue;
            }
            rows.push(y);
        }
        rows
    }

    pub fn histogram(&self) -> [u32; 256] {
        let mut bins = [0u32; 256];
        for &p in &self.pixels {
            bins[p as usize] += 1;
        }
        bins
    }

    pub fn reset(&mut self) {
        self.pixels.truncate(0); // expect: rust/manual-clear
    }

    pub fn crop_rows(&mut self, keep: usize) {
        self.pixels.truncate(keep * self.width);
        self.height = keep;
    }
}

pub fn corners(t: &Tile) -> Vec<u8> {
    let mut c = Vec::new(); // expect: rust/vec-init-then-push
    c.push(t.pixels[0]);
    c.push(t.pixels[t.width - 1]);
    c.push(t.pixels[t.pixels.len() - t.width]);
    c.push(t.pixels[t.pixels.len() - 1]);
    c
}

pub fn stitch(tiles: &mut Vec<Tile>) -> Vec<u8> {
    let mut all = Vec::new();
    for t in tiles.iter_mut() {
        all.append(&mut t.pixels);
    }
    all
}

pub fn take_all(tiles: &mut Vec<Tile>) -> Vec<Tile> {
    tiles.drain(..).collect::<Vec<_>>() // expect: rust/drain-collect
}

pub fn describe(t: &Tile) -> String {
    let size = format!("{}x{}", t.width, t.height);
    format!("tile {} ({})", format!("{size}"), t.pixels.len()) // expect: rust/format-in-format-args
}

pub fn parse_size(spec: &str) -> Option<(usize, usize)> {
    let (w, h) = spec.split_once('x')?;
    Some((w.trim().parse().ok()?, h.trim().parse().ok()?))
}

pub fn names(tiles: &[Tile]) -> Vec<String> {
    tiles.iter().map(describe).collect()
}
