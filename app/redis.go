package app

import (
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"thiduabot/config"
)

// NewRedis connects to Redis as configured: Cluster when cluster addresses are set, Sentinel
// when a master name is, else the single server of the URL.
func NewRedis(c config.Redis) (redis.UniversalClient, error) {
	switch {
	case len(c.Cluster.Addrs) > 0:
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Cluster.Addrs, Password: c.Password.Value()}), nil
	case c.Sentinel.MasterName != "":
		return redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: c.Sentinel.MasterName, SentinelAddrs: c.Sentinel.Addrs,
			SentinelPassword: c.Sentinel.Password.Value(), Password: c.Password.Value(),
		}), nil
	default:
		opt, err := redis.ParseURL(c.URL)
		if err != nil {
			return nil, fmt.Errorf("redis.url (REDIS_URL): %s", strings.ReplaceAll(err.Error(), c.URL, "<url>"))
		}
		if c.Password != "" && opt.Password == "" {
			opt.Password = c.Password.Value()
		}
		return redis.NewClient(opt), nil
	}
}
