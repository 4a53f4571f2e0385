// A small mesh toolkit: builds a grid, computes normals and bounding boxes.
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

struct Vec3 {
    float x, y, z;
    Vec3(float a, float b, float c) : x(a), y(b), z(c) {}
};

enum class Axis : std::uint8_t { X, Y, Z };

enum Winding { Clockwise, CounterClockwise };  // expect: cpp/enum-size

class Mesh {
public:
    Mesh() = default;
    Mesh(const Mesh&) = default;
    Mesh(Mesh&& other)  // expect: cpp/noexcept-move-constructor
        : vertices_(std::move(other.vertices_)), indices_(std::move(other.indices_)) {}
    Mesh& operator=(Mesh&& other) noexcept {
        vertices_ = std::move(other.vertices_);
        indices_ = std::move(other.indices_);
        return *this;
    }

    void add_vertex(float x, float y, float z) { vertices_.push_back(Vec3(x, y, z)); }  // expect: cpp/use-emplace
    void add_triangle(int a, int b, int c) {
        indices_.push_back(a);
        indices_.push_back(b);
        indices_.push_back(c);
    }
    const std::vector<Vec3>& vertices() const { return vertices_; }
    std::size_t triangle_count() const { return indices_.size() / 3; }

private:
    std::vector<Vec3> vertices_;
    std::vector<int> indices_;
};

static float length(const Vec3& v) {
    float sq = v.x * v.x + v.y * v.y + v.z * v.z;
    return ::sqrt(sq);  // expect: cpp/type-promotion-in-math-fn
}

static double angle(double dx, double dy) { return ::atan2(dy, dx); }

Mesh make_grid(int width, int height, float spacing) {
    Mesh mesh;
    mesh.add_vertex(0.0f, 0.0f, 0.0f);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            mesh.add_vertex(x * spacing, y * spacing, 0.0f);
        }
    }
    return mesh;
}

std::vector<float> edge_lengths(const Mesh& mesh) {
    std::vector<float> out;
    for (int i = 0; i + 1 < static_cast<int>(mesh.vertices().size()); ++i) {
        const Vec3& a = mesh.vertices()[i];
        const Vec3& b = mesh.vertices()[i + 1];
        out.push_back(length(Vec3(b.x - a.x, b.y - a.y, b.z - a.z)));
    }
    return out;
}

std::vector<std::pair<int, float>> heights(const std::vector<Vec3>& points) {
    std::vector<std::pair<int, float>> out;
    out.reserve(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) {
        out.push_back(std::make_pair(static_cast<int>(i), points[i].z));  // expect: cpp/use-emplace
    }
    return out;
}

std::vector<int> tile_ids(int count) {
    std::vector<int> ids;
    for (int i = 0; i < count; ++i) {
        ids.push_back(i * 4);  // expect: cpp/inefficient-vector-operation
    }
    return ids;
}

float scale_for(float extent) {
    float half = extent * 0.5f;
    return std::sqrt(half) + std::fabs(extent);
}

double diagonal(double w, double h) { return ::sqrt(w * w + h * h) + angle(w, h); }
