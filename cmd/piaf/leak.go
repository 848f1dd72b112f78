package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/piaf-dev/piaf/assessments/leak"
)

func miaCommand(_ context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "eval" {
		return errors.New("mia: say what to do: eval; see 'piaf help'")
	}
	fs := newFlags("piaf mia eval", "piaf mia eval [--lower-is-member] [--attack A] [--reference-models N] [--selection TEXT] [--held-out] [--svg OUT.svg] [--json] FILE", e)
	var d leak.MIADesign
	fs.BoolVar(&d.LowerIsMember, "lower-is-member", false, "a lower score means more likely a member (losses, perplexities)")
	fs.StringVar(&d.Attack, "attack", "", "the attack: loss_threshold, min_k_prob, reference_models, lira or other")
	fs.StringVar(&d.AttackDetail, "attack-detail", "", "the attack's name when --attack other")
	fs.IntVar(&d.ReferenceModels, "reference-models", 0, "number of reference models (reference_models, lira)")
	fs.StringVar(&d.Selection, "selection", "", "how members and non-members were chosen")
	fs.BoolVar(&d.HeldOut, "held-out", false, "the non-members were held out from the members' distribution")
	fs.Uint64Var(&d.Seed, "seed", 1, "seed of the bootstrap interval")
	svg := fs.String("svg", "", "also write the ROC curve (log-log axes) to this SVG file")
	asJSON := fs.Bool("json", false, "print the figures as one JSON object")
	if err := parse(fs, args[1:], 1); err != nil {
		return err
	}
	var scores leak.Scores
	err := readInput(fs.Arg(0), e, func(r io.Reader) (err error) {
		scores, err = leak.ParseScores(r)
		return err
	})
	if err != nil {
		return fmt.Errorf("mia eval: %w", err)
	}
	res, err := leak.EvaluateMIA(d, scores)
	if err != nil {
		return fmt.Errorf("mia eval: %w", err)
	}
	if *svg != "" {
		if err := os.WriteFile(*svg, res.SVG(), 0o644); err != nil {
			return fmt.Errorf("mia eval: %w", err)
		}
	}
	res.ROC = nil
	if *asJSON {
		return printJSON(e, res)
	}
	fmt.Fprintf(e.stdout, "members %d, non-members %d\n", res.Members, res.NonMembers)
	fmt.Fprintf(e.stdout, "AUC %.4f (95%% bootstrap interval %.4f to %.4f, %d resamples, seed %d)\n", res.AUC, res.AUCCI[0], res.AUCCI[1], res.BootstrapSamples, res.Seed)
	fmt.Fprintf(e.stdout, "TPR at FPR <= 0.1%%: %.4f\nTPR at FPR <= 1%%: %.4f\n", res.TPRAtFPR["0.001"], res.TPRAtFPR["0.01"])
	fmt.Fprintf(e.stdout, "advantage %.4f, balanced accuracy %.4f\n", res.Advantage, res.BalancedAccuracy)
	if res.Credibility.Credible {
		fmt.Fprintln(e.stdout, "credible: yes")
	} else {
		fmt.Fprintln(e.stdout, "credible: NO")
		for _, r := range res.Credibility.Reasons {
			fmt.Fprintln(e.stdout, "  "+r)
		}
	}
	return nil
}

func canaryCommand(_ context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "exposure" {
		return errors.New("canary: say what to do: exposure; see 'piaf help'")
	}
	fs := newFlags("piaf canary exposure", "piaf canary exposure --canaries FILE [--references FILE] [--copies N] [--space-size N] [--json]", e)
	canaries := fs.String("canaries", "", "the canaries: CSV canary,loss[,inserted_copies] or a JSON canary set (required)")
	references := fs.String("references", "", "the references' losses: one a line, CSV with a loss column, or JSON (required unless the JSON set holds them)")
	copies := fs.Int("copies", 0, "how many times each canary was inserted")
	space := fs.Float64("space-size", 0, "size of the candidate space the canaries were drawn from")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	if err := parse(fs, args[1:], 0); err != nil {
		return err
	}
	if *canaries == "" {
		return errors.New("canary exposure: --canaries is required")
	}
	var set leak.CanarySet
	err := readInput(*canaries, e, func(r io.Reader) (err error) {
		set, err = leak.ParseCanaries(r)
		return err
	})
	if err != nil {
		return fmt.Errorf("canary exposure: %w", err)
	}
	if *references != "" {
		err := readInput(*references, e, func(r io.Reader) (err error) {
			set.References, err = leak.ParseReferences(r)
			return err
		})
		if err != nil {
			return fmt.Errorf("canary exposure: %w", err)
		}
	}
	if *copies != 0 {
		set.InsertedCopies = *copies
	}
	if *space != 0 {
		set.SpaceSize = *space
	}
	res, err := leak.Exposure(set)
	if err != nil {
		return fmt.Errorf("canary exposure: %w", err)
	}
	if *asJSON {
		return printJSON(e, res)
	}
	fmt.Fprintf(e.stdout, "%d references: the highest possible exposure is %.2f bits\n", res.References, res.MaxPossibleExposure)
	for _, c := range res.Canaries {
		fmt.Fprintf(e.stdout, "%s: rank %d, exposure %.2f bits", c.ID, c.Rank, c.Exposure)
		if c.EstimatedExposure != nil {
			fmt.Fprintf(e.stdout, " (beats every reference; estimated %.2f bits)", *c.EstimatedExposure)
		}
		fmt.Fprintln(e.stdout)
	}
	fmt.Fprintf(e.stdout, "max exposure %.2f bits\n", res.MaxExposure)
	if res.EstimateMethod != "" {
		fmt.Fprintf(e.stdout, "estimates: %s\n", res.EstimateMethod)
	}
	return nil
}

// readInput opens a named file, or standard input for "-", and errors name the file.
func readInput(name string, e env, parse func(io.Reader) error) error {
	if name == "-" {
		if err := parse(e.stdin); err != nil {
			return fmt.Errorf("standard input: %w", err)
		}
		return nil
	}
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := parse(f); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// printJSON prints v as one JSON object on one line.
func printJSON(e env, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", b)
	return err
}
