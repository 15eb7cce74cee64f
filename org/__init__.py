"""组织架构: the union's organisation tree (市 → 区县 → 街镇 → 基层 → 班组) and the unit each worker joined."""
